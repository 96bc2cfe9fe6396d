#!/usr/bin/env node
// A local Keycloak without Docker, for development and the e2e tests. The server distribution
// (org.keycloak:keycloak-quarkus-dist at the version in keycloak.version, the same as docker-compose.yml's image) is
// fetched once through Maven into .keycloak/ (git-ignored) and run with `start-dev --import-realm` on embedded H2.
// Each start wipes H2 first, because the import skips realms that already exist: every start is a fresh realm
// exactly as in realm-export.json (`fresh: false` keeps it, for a restart).
// A named instance (`--instance faults`) runs from its own copy of the distribution under .keycloak/instances/<name>/
// with its own database, log and pid file, so tests can run a second server (another port, another database via
// KC_DB_* in `env`) beside the first, or stop and restart one without touching the other.
//   node scripts/keycloak.mjs [start|run|stop|fetch] [--port 8080] [--management-port 9000] [--instance name]
//   env: KEYCLOAK_PORT, KEYCLOAK_MANAGEMENT_PORT, KEYCLOAK_START_TIMEOUT (seconds, default 180)
// Only node: built-ins, so it runs before (and without) `npm ci`.
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
} from 'node:fs';
import { readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const version = readFileSync(join(root, 'keycloak.version'), 'utf8').trim();
const cache = join(root, '.keycloak');
const home = join(cache, `keycloak-${version}`);

/**
 * Where an instance lives: the default one runs from the fetched distribution itself; a named one from a copy of
 * it (made once, without the data folder). `pidFile` holds the process group id of the Keycloak this script
 * started; no file means we started none (or reused one).
 */
function instancePaths(instance) {
  if (!instance) return { home, logFile: join(cache, 'keycloak.log'), pidFile: join(cache, 'keycloak.pid') };
  if (!/^[a-z0-9][a-z0-9-]*$/.test(instance))
    throw new KeycloakError(`instance names are lower-case letters, digits and dashes, got ${instance}`);
  const dir = join(cache, 'instances', instance);
  return {
    home: join(dir, `keycloak-${version}`),
    logFile: join(dir, 'keycloak.log'),
    pidFile: join(dir, 'keycloak.pid'),
  };
}

function prepareInstanceHome(instanceHome) {
  if (instanceHome === home || existsSync(join(instanceHome, 'bin', 'kc.sh'))) return;
  const data = join(home, 'data');
  cpSync(home, instanceHome, {
    recursive: true,
    filter: (src) => src !== data && !src.startsWith(`${data}/`),
  });
}
const REALM = 's2s';
// The bootstrap admin of the dev server: the e2e tests log in with it. Dev only, never for a shared server.
const ADMIN = { KC_BOOTSTRAP_ADMIN_USERNAME: 'admin', KC_BOOTSTRAP_ADMIN_PASSWORD: 'admin' };

/** An expected failure: the CLI prints its message without a stack trace. */
class KeycloakError extends Error {}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const rel = (path) => relative(root, path);

async function answers(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel(); // free the socket at once; only the status matters
    return res.ok;
  } catch {
    return false; // refused, reset or timed out: not ready
  }
}

/** True when the Keycloak at `url` (e.g. http://localhost:8080) serves the demo realm's discovery document. */
export function isKeycloakReady(url) {
  return answers(`${url}/realms/${REALM}/.well-known/openid-configuration`);
}

const exists = (cmd, arg) => spawnSync(cmd, [arg], { stdio: 'ignore' }).error === undefined;

/** Downloads (through Maven, so its mirrors and proxies apply) and unpacks the pinned distribution, once. */
export function fetchKeycloak(log = console.log) {
  if (existsSync(join(home, 'bin', 'kc.sh'))) return log(`Keycloak ${version} is already in ${rel(home)}/`);
  if (!exists('mvn', '-v'))
    throw new KeycloakError(
      'Maven (mvn) is needed to fetch the Keycloak server distribution: install it and retry.',
    );
  mkdirSync(cache, { recursive: true });
  const artifact = `org.keycloak:keycloak-quarkus-dist:${version}:zip`;
  log(`fetching ${artifact} with Maven into ${rel(cache)}/ (once)…`);
  const args = ['-q', '-B', 'dependency:copy', `-Dartifact=${artifact}`, `-DoutputDirectory=${cache}`];
  // Maven's output only matters when it fails (it prints colour codes even when quiet).
  const mvn = spawnSync('mvn', args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (mvn.status !== 0) {
    const output = stripVTControlCharacters(`${mvn.stdout}${mvn.stderr}`).trim();
    const why = output.split('\n').find((line) => line.startsWith('[ERROR] ')) ?? output;
    throw new KeycloakError(`Maven could not fetch ${artifact}:\n${why}`);
  }
  const zip = join(cache, `keycloak-quarkus-dist-${version}.zip`);
  const unpackers = [
    ['unzip', '-v', ['-q', '-o', zip, '-d', cache]],
    ['python3', '--version', ['-m', 'zipfile', '-e', zip, cache]],
    ['jar', '--version', ['xf', zip]], // jar extracts into its working directory
  ];
  const unpacker = unpackers.find(([cmd, probe]) => exists(cmd, probe));
  if (!unpacker) throw new KeycloakError(`None of unzip, python3 or jar is available to unpack ${rel(zip)}.`);
  const [cmd, , unpackArgs] = unpacker;
  const ok = spawnSync(cmd, unpackArgs, { cwd: cache, stdio: 'inherit' }).status === 0;
  if (!ok || !existsSync(join(home, 'bin', 'kc.sh'))) {
    rmSync(home, { recursive: true, force: true }); // a half-unpacked tree would pass the check above next time
    throw new KeycloakError(`Unpacking ${rel(zip)} with ${cmd} failed.`);
  }
  // python's zipfile and jar drop the executable bits.
  for (const f of readdirSync(join(home, 'bin')).filter((f) => f.endsWith('.sh')))
    chmodSync(join(home, 'bin', f), 0o755);
  rmSync(zip);
  log(`Keycloak ${version} unpacked into ${rel(home)}/`);
}

function logTail(logFile, lines = 40) {
  if (!existsSync(logFile)) return '(no log written)';
  return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

function readPid(pidFile) {
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : NaN;
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

function removePidFile(pidFile, pgid) {
  if (readPid(pidFile) === pgid) rmSync(pidFile, { force: true }); // never drop the record of another server
}

function alive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal); // the whole group: kc.sh and the JVM it runs
  } catch {
    // already gone
  }
}

/** SIGTERM to the process group, SIGKILL if it is still there after 15 s. */
async function stopGroup(pidFile, pgid) {
  signalGroup(pgid, 'SIGTERM');
  for (let waited = 0; waited < 15_000 && alive(pgid); waited += 250) await sleep(250);
  if (alive(pgid)) signalGroup(pgid, 'SIGKILL');
  for (let waited = 0; waited < 5_000 && alive(pgid); waited += 100) await sleep(100);
  removePidFile(pidFile, pgid);
}

function checkPort(name, value) {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new KeycloakError(`${name} must be a TCP port (1-65535), got ${value ?? 'nothing'}`);
  return port;
}

/** The process group being started right now, so a Ctrl-C during `start`/`run` can take it down. */
let starting = null;
let interrupted = false; // set by the CLI's signal handler, which then reports and exits by itself

/**
 * Makes sure a Keycloak serving the demo realm answers on `port`: reuses one that already does, otherwise fetches,
 * starts (fresh realm unless `fresh` is false) and waits for it, at most `timeoutMs`. `instance` names a separate
 * server (own copy, database, log and pid file); `env` adds environment variables for the server (e.g. KC_DB_*).
 * `command` replaces `start-dev --import-realm` (e.g. `['start', '--db=postgres', …]` for a production-mode node).
 * Returns `{ url, startedByUs, pid, stop }`; `stop()` stops Keycloak only if this call started it. Rejects with the
 * log's last lines if Keycloak does not come up.
 */
export async function ensureKeycloak({
  port = process.env.KEYCLOAK_PORT || 8080,
  managementPort = process.env.KEYCLOAK_MANAGEMENT_PORT || 9000,
  timeoutMs = Number(process.env.KEYCLOAK_START_TIMEOUT || 180) * 1000,
  instance = null,
  env = {},
  fresh = true,
  command = ['start-dev', '--import-realm'],
  log = console.log,
} = {}) {
  port = checkPort('port', port);
  managementPort = checkPort('management port', managementPort);
  if (!(timeoutMs > 0))
    throw new KeycloakError('KEYCLOAK_START_TIMEOUT must be a positive number of seconds');
  const url = `http://localhost:${port}`; // the host the services and tests use, so token issuers match
  const { home: kcHome, logFile, pidFile } = instancePaths(instance);
  const owned = readPid(pidFile);
  if (await isKeycloakReady(url)) {
    if (owned && !alive(owned)) removePidFile(pidFile, owned); // stale record; the one answering is not ours
    const ours = owned && alive(owned) ? ` (started earlier by this script; \`stop\` stops it)` : '';
    log(`Keycloak already running at ${url}, reusing it${ours}`);
    return { url, startedByUs: false, pid: null, stop: async () => {} };
  }
  // A second server from the same folder would share (and this start would wipe) the first one's database.
  if (owned && alive(owned))
    throw new KeycloakError(
      `A Keycloak started by this script (process group ${owned}) is running but does not answer on ${url}: it is ` +
        `still starting or uses another port. Run \`node scripts/keycloak.mjs stop${instance ? ` --instance ${instance}` : ''}\` first.`,
    );
  if (owned) removePidFile(pidFile, owned);

  fetchKeycloak(log);
  prepareInstanceHome(kcHome);
  mkdirSync(join(kcHome, 'data', 'import'), { recursive: true });
  copyFileSync(join(root, 'realm-export.json'), join(kcHome, 'data', 'import', 'realm-export.json'));
  if (fresh) rmSync(join(kcHome, 'data', 'h2'), { recursive: true, force: true });
  const args = [
    ...command,
    '--health-enabled=true',
    `--http-port=${port}`,
    `--http-management-port=${managementPort}`,
  ];
  const out = openSync(logFile, 'w');
  const child = spawn(join(kcHome, 'bin', 'kc.sh'), args, {
    cwd: kcHome,
    detached: true, // its own process group, so stop() takes the JVM along with the shell script
    stdio: ['ignore', out, out],
    env: { ...process.env, ...ADMIN, ...env },
  });
  closeSync(out);
  child.unref(); // `start` returns while Keycloak keeps running
  let exited = null;
  child.once('exit', (code, signal) => (exited = signal ?? `code ${code}`));
  child.once('error', (error) => (exited = error.message)); // e.g. kc.sh not executable
  const pgid = child.pid;
  if (pgid) writeFileSync(pidFile, `${pgid}\n`);
  starting = pgid;
  const stop = async () => {
    if (pgid) await stopGroup(pidFile, pgid);
  };

  const what = `${instance ? `instance ${instance}, ` : ''}${fresh ? 'fresh realm' : 'kept data'}`;
  log(`starting Keycloak ${version} at ${url} (management ${managementPort}, ${what}, log ${rel(logFile)})…`);
  const began = Date.now();
  try {
    while (!exited && Date.now() - began < timeoutMs) {
      if (
        (await answers(`http://127.0.0.1:${managementPort}/health/ready`)) &&
        (await isKeycloakReady(url))
      ) {
        log(`Keycloak ready at ${url} in ${((Date.now() - began) / 1000).toFixed(1)} s`);
        return { url, startedByUs: true, pid: pgid, stop };
      }
      await sleep(500);
    }
  } finally {
    starting = null;
  }
  const why = exited ? `exited while starting (${exited})` : `was not ready within ${timeoutMs / 1000} s`;
  if (!interrupted) log(`Keycloak ${why}; stopping it…`);
  await stop();
  throw new KeycloakError(`Keycloak ${why}. Last lines of ${rel(logFile)}:\n${logTail(logFile)}`);
}

function parseArgs(argv) {
  const options = {};
  let command;
  const flags = { '--port': 'port', '--management-port': 'managementPort', '--instance': 'instance' };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    if (flags[flag]) {
      options[flags[flag]] = inline ?? argv[++i];
      if (options[flags[flag]] === undefined) throw new KeycloakError(`${flag} needs a value`);
    } else if (!flag.startsWith('-') && !command) command = flag;
    else throw new KeycloakError(`unexpected argument ${argv[i]}`);
  }
  return { command: command ?? 'start', options };
}

async function main() {
  const { command, options } = parseArgs(process.argv.slice(2));
  if (command === 'fetch') return fetchKeycloak();
  const { logFile, pidFile } = instancePaths(options.instance);
  if (command === 'stop') {
    const pgid = readPid(pidFile);
    if (!pgid)
      return console.log(`No Keycloak started by this script (no ${rel(pidFile)}); nothing to stop.`);
    if (!alive(pgid)) {
      removePidFile(pidFile, pgid);
      return console.log(
        `Keycloak (process group ${pgid}) was not running any more; removed ${rel(pidFile)}.`,
      );
    }
    await stopGroup(pidFile, pgid);
    return console.log(`Keycloak stopped (process group ${pgid}).`);
  }
  if (command !== 'start' && command !== 'run')
    throw new KeycloakError(`unknown command ${command} (start|run|stop|fetch)`);

  let keycloak = null;
  let stopping = null; // the process group a first Ctrl-C is stopping; a second one kills it at once
  const onSignal = async () => {
    if (stopping) {
      signalGroup(stopping, 'SIGKILL');
      removePidFile(pidFile, stopping);
      process.exit(130);
    }
    interrupted = Boolean(starting);
    stopping = starting ?? keycloak?.pid; // null when Keycloak was reused: nothing of ours to stop
    if (interrupted)
      console.error('interrupted: stopping the Keycloak being started (Ctrl-C again kills it)…');
    if (stopping) await stopGroup(pidFile, stopping);
    process.exit(interrupted ? 130 : 0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  keycloak = await ensureKeycloak(options);
  if (command === 'start') process.exit(0); // the detached server keeps running; `stop` ends it
  console.log(keycloak.startedByUs ? 'Ctrl-C stops Keycloak.' : 'Ctrl-C leaves the reused Keycloak running.');
  // Stay attached; if the server we started dies on its own, say so instead of hanging.
  setInterval(() => {
    if (!stopping && keycloak.pid && !alive(keycloak.pid)) {
      removePidFile(pidFile, keycloak.pid);
      console.error(`Keycloak exited on its own. Last lines of ${rel(logFile)}:\n${logTail(logFile)}`);
      process.exit(1);
    }
  }, 1000);
}

// The CLI runs only when this file is executed, not when the e2e global setup or the stack runner import it.
if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  main().catch((error) => {
    if (interrupted) return; // the start failed because of Ctrl-C: the signal handler finishes and exits
    console.error(error instanceof KeycloakError ? error.message : error);
    process.exit(1);
  });
}

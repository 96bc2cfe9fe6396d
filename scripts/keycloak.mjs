#!/usr/bin/env node
// A local Keycloak without Docker: the server distribution (org.keycloak:keycloak-quarkus-dist, the version in
// keycloak.version, the same as docker-compose.yml's image) fetched once with Maven into .keycloak/, started with
// `start-dev --import-realm` on embedded H2. Every start wipes H2 and imports realm-export.json afresh.
//   node scripts/keycloak.mjs [fetch|start|stop|run] [--port 8080] [--management-port 9000]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const version = readFileSync(join(root, 'keycloak.version'), 'utf8').trim();
const cache = join(root, '.keycloak');
const home = join(cache, `keycloak-${version}`);
const logFile = join(cache, 'keycloak.log');
const pidFile = join(cache, 'keycloak.pid');
const REALM = 's2s';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function answers(url) {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

/** True when the Keycloak at `url` serves the demo realm. */
export function isKeycloakReady(url) {
  return answers(`${url}/realms/${REALM}/.well-known/openid-configuration`);
}

/** Downloads and unpacks the pinned distribution unless it is already there. */
export function fetchKeycloak(log = console.log) {
  if (existsSync(join(home, 'bin', 'kc.sh'))) return;
  mkdirSync(cache, { recursive: true });
  if (spawnSync('mvn', ['-v'], { stdio: 'ignore' }).status !== 0) {
    throw new Error('Maven (mvn) is needed to fetch the Keycloak server distribution; install it and retry.');
  }
  log(`fetching Keycloak ${version} with Maven (once; cached in .keycloak/)…`);
  const artifact = `org.keycloak:keycloak-quarkus-dist:${version}:zip`;
  execFileSync(
    'mvn',
    ['-q', '-B', 'dependency:copy', `-Dartifact=${artifact}`, `-DoutputDirectory=${cache}`],
    {
      stdio: 'inherit',
    },
  );
  const zip = join(cache, `keycloak-quarkus-dist-${version}.zip`);
  const unzip = [
    ['unzip', ['-q', '-o', zip, '-d', cache]],
    ['python3', ['-m', 'zipfile', '-e', zip, cache]],
  ].find(([cmd]) => spawnSync(cmd, ['-h'], { stdio: 'ignore' }).error === undefined);
  if (!unzip) throw new Error('Neither unzip nor python3 is available to unpack the Keycloak distribution.');
  execFileSync(unzip[0], unzip[1], { stdio: 'inherit' });
  // python's zipfile drops the executable bits.
  for (const f of readdirSync(join(home, 'bin')).filter((f) => f.endsWith('.sh')))
    chmodSync(join(home, 'bin', f), 0o755);
  rmSync(zip);
}

function tail(lines) {
  if (!existsSync(logFile)) return '(no log)';
  return readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

async function stopPid(pid) {
  if (!killGroup(pid, 'SIGTERM')) return;
  for (let i = 0; i < 60 && killGroup(pid, 0); i++) await sleep(250);
  killGroup(pid, 'SIGKILL');
}

/**
 * Makes sure a Keycloak with the demo realm answers on `port`: reuses one that already does, else fetches,
 * starts and waits for it (at most `timeoutMs`). `stop()` stops it only if this call started it.
 */
export async function ensureKeycloak({
  port = Number(process.env.KEYCLOAK_PORT ?? 8080),
  managementPort = Number(process.env.KEYCLOAK_MANAGEMENT_PORT ?? 9000),
  timeoutMs = Number(process.env.KEYCLOAK_START_TIMEOUT ?? 180) * 1000,
  log = console.log,
} = {}) {
  const url = `http://localhost:${port}`;
  if (await isKeycloakReady(url)) {
    log(`Keycloak already running at ${url}, reusing it`);
    return { url, startedByUs: false, stop: async () => {} };
  }
  fetchKeycloak(log);
  mkdirSync(join(home, 'data', 'import'), { recursive: true });
  copyFileSync(join(root, 'realm-export.json'), join(home, 'data', 'import', 'realm-export.json'));
  rmSync(join(home, 'data', 'h2'), { recursive: true, force: true });
  const out = openSync(logFile, 'w');
  const args = [
    'start-dev',
    '--import-realm',
    '--health-enabled=true',
    `--http-port=${port}`,
    `--http-management-port=${managementPort}`,
  ];
  const child = spawn(join(home, 'bin', 'kc.sh'), args, {
    cwd: home,
    detached: true, // its own process group, so stop() takes the JVM with the shell script
    stdio: ['ignore', out, out],
    // Dev-only bootstrap admin for the e2e tests' admin client; never use these outside a laptop.
    env: { ...process.env, KC_BOOTSTRAP_ADMIN_USERNAME: 'admin', KC_BOOTSTRAP_ADMIN_PASSWORD: 'admin' },
  });
  child.unref();
  writeFileSync(pidFile, String(child.pid));
  const stop = async () => {
    await stopPid(child.pid);
    if (existsSync(pidFile)) unlinkSync(pidFile);
  };
  log(`starting Keycloak ${version} on ${url} (log: .keycloak/keycloak.log)…`);
  const started = Date.now();
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() - started < timeoutMs && !exited) {
    if ((await answers(`http://localhost:${managementPort}/health/ready`)) && (await isKeycloakReady(url))) {
      log(`Keycloak ready at ${url} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return { url, startedByUs: true, stop };
    }
    await sleep(500);
  }
  await stop();
  const why = exited ? 'exited during start' : `was not ready within ${timeoutMs / 1000} s`;
  throw new Error(`Keycloak ${why}. Last lines of .keycloak/keycloak.log:\n${tail(40)}`);
}

async function main() {
  const argv = process.argv.slice(2);
  const flag = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : undefined;
  };
  const options = { port: flag('--port'), managementPort: flag('--management-port') };
  for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key];
  const command = argv.find((a) => !a.startsWith('--') && !/^\d+$/.test(a)) ?? 'start';
  if (command === 'fetch') return fetchKeycloak();
  if (command === 'stop') {
    if (!existsSync(pidFile)) return console.log('No Keycloak started by this script is running.');
    await stopPid(Number(readFileSync(pidFile, 'utf8')));
    unlinkSync(pidFile);
    return console.log('Keycloak stopped.');
  }
  if (command !== 'start' && command !== 'run')
    throw new Error(`unknown command ${command} (fetch|start|stop|run)`);
  const keycloak = await ensureKeycloak(options);
  if (command === 'run') {
    const shutdown = async () => {
      await keycloak.stop();
      process.exit(0);
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
    console.log('Ctrl-C stops Keycloak.');
    setInterval(() => {}, 1 << 30);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
}

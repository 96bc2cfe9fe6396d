#!/usr/bin/env node
// A Docker engine of the project's own, for the compose job and for running docker-compose.yml on a machine with no
// engine running: Debian's docker.io (dockerd with its containerd and runc; apt-get install docker.io, .ci/setup
// installs it), started by hand — no systemd — with its own data root (.docker/engine/, git-ignored: images and the
// build cache stay between runs), exec root, socket and pid file, and stopped by its pid. Clients reach it with
// DOCKER_HOST=unix://<socket> (`env` prints it); a private socket keeps every other program on the machine from
// finding it. Docker Compose comes from scripts/docker-compose.mjs, as a CLI plugin in this engine's DOCKER_CONFIG.
//   node scripts/docker-engine.mjs [start|stop|env]
// Only node: built-ins.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
// Debian installs it in /usr/sbin, which is not on every user's PATH.
const DOCKERD =
  spawnSync('dockerd', ['--version'], { stdio: 'ignore' }).error && existsSync('/usr/sbin/dockerd')
    ? '/usr/sbin/dockerd'
    : 'dockerd';

// A unix socket's path has at most 107 bytes, and containerd puts its own sockets under the exec root: both live in
// a short folder of the temporary directory, named after this checkout so two checkouts get two engines.
const shortDir = join(
  tmpdir(),
  `kcs2s-docker-${createHash('sha256').update(root).digest('hex').slice(0, 8)}`,
);

/** Where this checkout's engine keeps everything. */
export const enginePaths = {
  dataRoot: join(root, '.docker', 'engine'),
  execRoot: join(shortDir, 'exec'),
  socket: join(shortDir, 'docker.sock'),
  pidFile: join(shortDir, 'docker.pid'),
  logFile: join(root, '.docker', 'dockerd.log'),
  // The docker CLI's configuration folder: the compose plugin (cli-plugins/docker-compose) and nothing of the user's.
  config: join(root, '.docker', 'config'),
};

/** The environment a docker or compose client needs to reach this checkout's engine. */
export function engineEnv() {
  return { DOCKER_HOST: `unix://${enginePaths.socket}`, DOCKER_CONFIG: enginePaths.config };
}

/** Whether the engine answers `GET /_ping` on the socket. */
export function engineAnswers(socket = enginePaths.socket) {
  return new Promise((resolve) => {
    if (!existsSync(socket)) return resolve(false);
    const req = request({ socketPath: socket, path: '/_ping', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

function readPid() {
  const pid = existsSync(enginePaths.pidFile)
    ? Number(readFileSync(enginePaths.pidFile, 'utf8').trim())
    : NaN;
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** The docker0 bridge exists before the engine starts? (The engine makes it and leaves it behind when it stops.) */
function hasDefaultBridge() {
  return existsSync('/sys/class/net/docker0');
}

function logTail(lines = 30) {
  if (!existsSync(enginePaths.logFile)) return '(no log written)';
  return readFileSync(enginePaths.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Starts this checkout's engine (or reuses it when it already answers on its socket) and waits until it answers.
 * Returns `{ env, pid, started, stop }`: `stop()` ends an engine this call started — SIGTERM to its pid (dockerd stops
 * its containers and its containerd), SIGKILL after 30 s — and removes the docker0 bridge if the engine made it.
 * Reused engines are left running, as a Keycloak started by someone else is.
 */
export async function startDockerEngine({ log = () => {} } = {}) {
  if (await engineAnswers()) {
    log(`reusing the Docker engine on ${enginePaths.socket}`);
    return { env: engineEnv(), pid: readPid(), started: false, stop: async () => {} };
  }
  if (spawnSync(DOCKERD, ['--version'], { stdio: 'ignore' }).error)
    throw new Error("dockerd not found: install Debian's docker.io package (apt-get install docker.io)");
  if (process.getuid?.() !== 0)
    throw new Error('dockerd runs as root here (no rootless setup): run this as root');
  const stale = readPid();
  if (stale && alive(stale))
    throw new Error(`a dockerd (pid ${stale}) of this checkout runs but does not answer: stop it first`);
  for (const dir of [
    enginePaths.dataRoot,
    enginePaths.execRoot,
    enginePaths.config,
    dirname(enginePaths.logFile),
  ])
    mkdirSync(dir, { recursive: true });
  rmSync(enginePaths.socket, { force: true });
  const bridgeBefore = hasDefaultBridge();
  const out = openSync(enginePaths.logFile, 'a');
  const child = spawn(
    DOCKERD,
    [
      ...['--data-root', enginePaths.dataRoot, '--exec-root', enginePaths.execRoot],
      ...['--host', `unix://${enginePaths.socket}`, '--pidfile', enginePaths.pidFile],
    ],
    { stdio: ['ignore', out, out], detached: true },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 60_000;
  while (!(await engineAnswers())) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`dockerd did not start; the end of ${enginePaths.logFile}:\n${logTail()}`);
    }
    await sleep(200);
  }
  log(`Docker engine ready on ${enginePaths.socket} (pid ${child.pid}, data ${enginePaths.dataRoot})`);
  child.unref();
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    if (!bridgeBefore && hasDefaultBridge())
      spawnSync('ip', ['link', 'delete', 'docker0'], { stdio: 'ignore' });
    rmSync(enginePaths.socket, { force: true });
    log('Docker engine stopped');
  };
  return { env: engineEnv(), pid: child.pid, started: true, stop };
}

/** Stops the engine this script started for this checkout (by the pid dockerd wrote), if it still runs. */
export async function stopDockerEngine() {
  const pid = readPid();
  if (!pid || !alive(pid)) return false;
  process.kill(pid, 'SIGTERM');
  for (let waited = 0; waited < 30_000 && alive(pid); waited += 200) await sleep(200);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [command = 'start'] = process.argv.slice(2);
  if (command === 'env') {
    for (const [key, value] of Object.entries(engineEnv())) console.log(`export ${key}=${value}`);
  } else if (command === 'stop') {
    console.log(
      (await stopDockerEngine()) ? 'stopped the Docker engine' : 'no Docker engine started here runs',
    );
  } else if (command === 'start') {
    const engine = await startDockerEngine({ log: console.log }).catch((error) => {
      console.error(error.message);
      process.exit(1);
    });
    console.log('In another shell: eval "$(node scripts/docker-engine.mjs env)"; Ctrl-C stops the engine');
    const stop = () => engine.stop().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    setInterval(() => {}, 1 << 30); // stay in the foreground until interrupted
  } else {
    console.error('usage: node scripts/docker-engine.mjs [start|stop|env]');
    process.exit(2);
  }
}

#!/usr/bin/env node
// A local Redis for service-a's shared sessions, without Docker: Debian's redis-server (apt-get install
// redis-server; .ci/setup installs it), started on loopback with its data in .redis/<name>/ (git-ignored) and
// append-only persistence, so a restart keeps the sessions. Started and stopped by its own pid.
//   node scripts/redis.mjs [start|stop] [--port 6390] [--name dev]
// Only node: built-ins, so it runs before (and without) `npm ci`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether something answers Redis's PING on 127.0.0.1:`port`. */
export function redisAnswers(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      if (answer.includes('\r\n')) socket.end();
    });
    socket.on('close', () => resolve(answer.startsWith('+PONG')));
    socket.on('error', () => resolve(false));
  });
}

/**
 * Starts redis-server on `port` (loopback only) with its data in .redis/<name>/ (`fresh: true` empties it first) and
 * waits until it answers. Returns its URL and `stop()`, which ends it by its pid (SIGTERM: it writes its data and
 * exits) and waits for the port to close. Refuses to start over something already listening on the port.
 */
export async function startRedis({ port = 6390, name = 'dev', fresh = false, log = () => {} } = {}) {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error)
    throw new Error("redis-server not found: install Debian's package (apt-get install redis-server)");
  if (await redisAnswers(port)) throw new Error(`something already answers on 127.0.0.1:${port}`);
  const dir = join(root, '.redis', name);
  if (fresh) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--save',
    '',
    '--daemonize',
    'no',
    '--logfile',
    join(dir, 'redis.log'),
  ];
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  writeFileSync(join(dir, 'redis.pid'), String(child.pid));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 15_000;
  while (!(await redisAnswers(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start on ${port}: see ${join(dir, 'redis.log')}`);
    }
    await sleep(50);
  }
  log(`Redis ready at redis://127.0.0.1:${port} (data ${dir})`);
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(join(dir, 'redis.pid'), { force: true });
  };
  return { url: `redis://127.0.0.1:${port}`, port, pid: child.pid, stop };
}

/** Stops the redis-server this script started for `name` (by the pid it wrote), if it still runs. */
export async function stopRedis({ name = 'dev' } = {}) {
  const pidFile = join(root, '.redis', name, 'redis.pid');
  if (!existsSync(pidFile)) return false;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      break;
    }
    await sleep(50);
  }
  rmSync(pidFile, { force: true });
  return true;
}

// The command line in a function, not at the top level: a module with top-level await cannot be require()d (the
// benchmark, compiled to CommonJS, loads this one).
async function main() {
  const [command = 'start', ...rest] = process.argv.slice(2);
  const flag = (n, d) => (rest.includes(`--${n}`) ? rest[rest.indexOf(`--${n}`) + 1] : d);
  const name = flag('name', 'dev');
  if (command === 'stop') {
    console.log((await stopRedis({ name })) ? `stopped Redis ${name}` : `no Redis ${name} started here`);
  } else if (command === 'start') {
    const redis = await startRedis({ port: Number(flag('port', 6390)), name, log: console.log });
    console.log(`Ctrl-C stops it (pid ${redis.pid})`);
    const stop = () => redis.stop().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } else {
    console.error('usage: node scripts/redis.mjs [start|stop] [--port 6390] [--name dev]');
    process.exit(2);
  }
}

if (import.meta.url === `file://${process.argv[1]}`)
  main().catch((error) => {
    console.error(error.message);
    process.exit(1);
  });

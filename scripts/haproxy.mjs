// Debian's HAProxy (apt-get install haproxy; .ci/setup installs it) in front of each tier of the cluster stack: one
// loopback frontend per tier, a backend of its replicas with active health checks, and retries that move a request
// that reached no replica to another one when one goes away. The configuration is generated into a temporary
// folder; HAProxy runs in the foreground (-db) as a child of this process and is stopped by its pid. Only node:
// built-ins.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Debian installs it in /usr/sbin, which is not on every user's PATH.
const HAPROXY =
  spawnSync('haproxy', ['-v'], { stdio: 'ignore' }).error && existsSync('/usr/sbin/haproxy')
    ? '/usr/sbin/haproxy'
    : 'haproxy';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function listening(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => resolve(socket.destroy() && true));
    socket.once('error', () => resolve(false));
  });
}

/**
 * The configuration for `tiers`: each `{ name, port, check, servers: [{ name, port, checkPort? }] }` is a frontend on
 * 127.0.0.1:`port` and a backend checking `GET <check>` on each server (on `checkPort` when the health endpoint is
 * elsewhere, as Keycloak's management interface is).
 */
export function haproxyConfig(tiers, statsSocket) {
  const lines = [
    'global',
    '  maxconn 4000',
    // Read-only statistics (`show stat`) on a Unix socket of this run's folder: the answers of each server.
    ...(statsSocket ? [`  stats socket ${statsSocket} mode 600 level user`] : []),
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 30s',
    // Longer than the services' own keep-alive to their next hop (10 s), so HAProxy is not the side that closes an
    // idle connection a client is about to reuse.
    '  timeout http-keep-alive 30s',
    '  timeout http-request 10s',
    // A request that reached no replica (the connection refused or failed: a replica going away) is sent again, to
    // another replica (redispatch), up to 3 times. A request a replica may have acted on is not: an answer, a 503
    // included, is the client's, and a replica that closed without answering (empty-response) is retried only for
    // GET, HEAD and OPTIONS (the backends' disable-l7-retry). A POST's DPoP proof, once recorded, is refused as
    // replayed at the other replica: re-sending a POST that answered 503 would turn it into a 401. HAProxy only
    // re-sends a request it holds whole: http-buffer-request keeps every body in the buffer until it is answered.
    '  retries 3',
    '  option redispatch 1',
    '  retry-on conn-failure empty-response',
    '  option http-buffer-request',
    // Down after 2 failed checks 500 ms apart, back after 2 good ones: within the services' drain delay (3 s).
    '  default-server inter 500ms fall 2 rise 2',
  ];
  for (const tier of tiers) {
    lines.push(
      `frontend ${tier.name}`,
      `  bind 127.0.0.1:${tier.port}`,
      `  default_backend ${tier.name}-nodes`,
      `backend ${tier.name}-nodes`,
      '  balance roundrobin',
      // Only a connection failure is retried for these (METH_GET covers HEAD too).
      '  http-request disable-l7-retry unless METH_GET || METH_OPTIONS',
      `  option httpchk GET ${tier.check}`,
      '  http-check expect status 200',
      ...tier.servers.map(
        (s) => `  server ${s.name} 127.0.0.1:${s.port} check${s.checkPort ? ` port ${s.checkPort}` : ''}`,
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Writes the configuration for `tiers` (see {@link haproxyConfig}), checks it (`haproxy -c`), starts HAProxy and
 * waits until every frontend listens. Returns `{ pid, urls: { [tier]: url }, serverStats, stop }`; `serverStats()`
 * resolves `{ [tier]: { [server]: answers } }` (HTTP answers each server gave, from `show stat`); `stop()` ends
 * HAProxy by its pid (SIGUSR1: soft stop, then SIGKILL after 5 s) and removes the folder.
 */
export async function startHaproxy({ tiers, log = () => {} }) {
  if (spawnSync(HAPROXY, ['-v'], { stdio: 'ignore' }).error)
    throw new Error("haproxy not found: install Debian's package (apt-get install haproxy)");
  const dir = mkdtempSync(join(tmpdir(), 'keycloak-s2s-haproxy-'));
  const file = join(dir, 'haproxy.cfg');
  const socket = join(dir, 'stats.sock');
  writeFileSync(file, haproxyConfig(tiers, socket));
  const check = spawnSync(HAPROXY, ['-c', '-q', '-f', file], { encoding: 'utf8' });
  if (check.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`haproxy rejected its generated configuration:\n${check.stdout}${check.stderr}`);
  }
  const output = [];
  const child = spawn(HAPROXY, ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk) => output.push(chunk.toString()) > 50 && output.shift();
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGUSR1');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (const tier of tiers)
    while (!(await listening(tier.port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`haproxy did not listen on ${tier.port}:\n${output.join('')}`);
      }
      await sleep(50);
    }
  const urls = Object.fromEntries(tiers.map((t) => [t.name, `http://127.0.0.1:${t.port}`]));
  log(`HAProxy (pid ${child.pid}) in front of ${tiers.map((t) => `${t.name} ${urls[t.name]}`).join(', ')}`);
  return { pid: child.pid, urls, serverStats: () => serverStats(socket), stop };
}

/** Each backend server's HTTP answers (the sum of its hrsp_* counters), by tier, from HAProxy's stats socket. */
function serverStats(socket) {
  return new Promise((resolve, reject) => {
    const connection = createConnection(socket);
    let csv = '';
    connection.on('connect', () => connection.write('show stat\n'));
    connection.on('data', (chunk) => (csv += chunk.toString()));
    connection.on('error', reject);
    connection.on('close', () => {
      const [header, ...rows] = csv.trim().split('\n');
      const names = header.replace(/^# /, '').split(',');
      const column = (row, name) => row[names.indexOf(name)];
      const stats = {};
      for (const row of rows.map((line) => line.split(','))) {
        const backend = column(row, 'pxname');
        const server = column(row, 'svname');
        if (!backend.endsWith('-nodes') || server === 'BACKEND' || server === 'FRONTEND') continue;
        const answers = ['hrsp_1xx', 'hrsp_2xx', 'hrsp_3xx', 'hrsp_4xx', 'hrsp_5xx', 'hrsp_other']
          .map((name) => Number(column(row, name)) || 0)
          .reduce((a, b) => a + b, 0);
        (stats[backend.slice(0, -'-nodes'.length)] ??= {})[server] = answers;
      }
      resolve(stats);
    });
  });
}

#!/usr/bin/env node
// The system as a cluster, on this machine (loopback only): one PostgreSQL, two Keycloak nodes in production mode
// forming one cache cluster on it (JGroups' jdbc-ping finds the members through the database), Redis for service-a's
// sessions, two replicas of each service, and HAProxy in front of every tier — Keycloak, service-a, service-b and
// service-c — with health checks and retries. Each service reaches Keycloak and its next hop through HAProxy.
// Ctrl-C stops everything this script started, by pid. Also imported by the cluster CI job (test/cluster), which
// stops and restarts its parts under load.
//   npm run stack:cluster          (AUTH_MODE=introspection for service-b and service-c validating by introspection)
//   env: CLUSTER_KEYCLOAK_NODES="18481:19481:7811,18482:19482:7812" (HTTP:management:cache port of each node),
//        CLUSTER_PORT_BASE=18500 (the first port tried for everything else)
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureKeycloak } from './keycloak.mjs';
import { startHaproxy } from './haproxy.mjs';
import { startPostgres } from './postgres.mjs';
import { startRedis } from './redis.mjs';
import { serviceOutput } from './service-output.mjs';
import * as stack from './stack.mjs';

// Dev-only values of this throw-away cluster: the database exists only while the stack runs.
const DB = { user: 'keycloak', password: 'keycloak-dev-password', database: 'kc' };
// A dev-only session encryption key (32 bytes, base64); a real deployment takes its keys from a secret store.
const DEV_SESSION_KEY = Buffer.alloc(32, 's2s-cluster-dev-only').toString('base64');
const TIERS = ['service-a', 'service-b', 'service-c'];
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The stop of every cluster being started or running, so a Ctrl-C during the start stops what is up so far. */
const running = new Set();

/** Stops every cluster this process started (or is starting). */
export async function stopAll() {
  await Promise.all([...running].map((stop) => stop()));
}

/**
 * A node still starting is not ours to stop through a handle yet: its process group is in the pid file the launcher
 * writes at spawn (scripts/keycloak.mjs), so SIGTERM that group, SIGKILL it if it is still there after 15 s.
 */
async function stopStartingNode(instance) {
  const pidFile = join(root, '.keycloak', 'instances', instance, 'keycloak.pid');
  const pgid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : NaN;
  if (!(pgid > 0)) return;
  const alive = () => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const signal = (name) => alive() && process.kill(-pgid, name);
  signal('SIGTERM');
  for (let waited = 0; waited < 15_000 && alive(); waited += 250)
    await new Promise((r) => setTimeout(r, 250));
  signal('SIGKILL');
}

const canListen = (port) =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/**
 * Free ports from CLUSTER_PORT_BASE up. Below the kernel's ephemeral range (32768 up) on purpose: a port chosen there
 * can be taken by any outgoing connection between the choice and the bind, and the replicas bind minutes later.
 */
async function portPicker() {
  let next = Number(process.env.CLUSTER_PORT_BASE ?? 18500);
  return async () => {
    while (!(await canListen(next))) next++;
    if (next >= 32768) throw new Error('no free port below 32768 from CLUSTER_PORT_BASE');
    return next++;
  };
}

/** The nodes' ports, from CLUSTER_KEYCLOAK_NODES or the defaults. */
function nodePorts() {
  const spec = process.env.CLUSTER_KEYCLOAK_NODES ?? '18481:19481:7811,18482:19482:7812';
  return spec.split(',').map((node) => {
    const [http, management, cache] = node.split(':').map(Number);
    if (![http, management, cache].every((p) => Number.isInteger(p) && p > 0 && p < 65536))
      throw new Error(`CLUSTER_KEYCLOAK_NODES: expected http:management:cache ports, got ${node}`);
    return { http, management, cache };
  });
}

/**
 * Starts the cluster. `authMode` is how service-b and service-c validate (jwt or introspection), `env` is extra
 * environment for every service, `log(line)` and `onOutput(name, chunk)` receive progress and the services' output.
 * Returns `{ urls, keycloakNodes, replicas, redis, restartServices, stop }`: `urls` are the HAProxy frontends (Keycloak
 * as `http://localhost:<port>`, the issuer's host); each Keycloak node and each replica set (one process of each
 * service) has `stop()` and `start()`; `redis.restart()` stops Redis and starts it again on its data (`stop()` and
 * `start()` do each half); `restartServices(mode)` replaces every replica by one validating in `mode`;
 * `serverStats()` is HAProxy's count of the answers of each Keycloak node and each replica.
 */
export async function startCluster({ authMode = 'jwt', env = {}, log = console.log, onOutput } = {}) {
  const cleanups = [];
  let stopped = false;
  // Between two parts: after a stop (Ctrl-C during the start), start nothing more.
  const next = () => {
    if (stopped) throw new Error('the cluster was stopped while starting');
  };
  const stop = async () => {
    stopped = true;
    for (const cleanup of cleanups.splice(0).reverse())
      await cleanup().catch((e) => log(`stop: ${e.message}`));
    running.delete(stop);
  };
  running.add(stop);
  try {
    const nodes = nodePorts();
    const freePort = await portPicker();
    const lb = { keycloak: await freePort() };
    for (const tier of TIERS) lb[tier] = await freePort();
    const replicaPorts = [];
    for (let i = 0; i < 2; i++) {
      const ports = {};
      for (const tier of TIERS) ports[tier] = await freePort();
      replicaPorts.push(ports);
    }
    const keycloakUrl = `http://localhost:${lb.keycloak}`;

    next();
    const pg = startPostgres({ port: await freePort(), ...DB });
    cleanups.push(async () => pg.stop());
    log(`PostgreSQL on 127.0.0.1:${pg.port}`);

    const keycloakNodes = nodes.map((node, index) => {
      const handle = { port: node.http, managementPort: node.management, instance: `cluster-${index + 1}` };
      handle.start = async () => {
        handle.stop = () => stopStartingNode(handle.instance); // from here on the pid file is this start's
        const started = await ensureKeycloak({
          port: node.http,
          managementPort: node.management,
          instance: handle.instance,
          log: (line) => log(`[keycloak ${index + 1}] ${line}`),
          env: { KC_DB_URL: pg.jdbcUrl, KC_DB_USERNAME: DB.user, KC_DB_PASSWORD: DB.password },
          command: [
            'start',
            // The realm is created once, by the first node's first start (an import skips a realm that exists).
            ...(index === 0 ? ['--import-realm'] : []),
            '--db=postgres',
            '--http-enabled=true',
            // One public URL for both nodes, the load balancer's: the same `iss` whichever node signs.
            `--hostname=${keycloakUrl}`,
            '--cache=ispn',
            '--cache-embedded-network-bind-address=127.0.0.1',
            `--cache-embedded-network-bind-port=${node.cache}`,
            // On SIGTERM: readiness down for 3 s (HAProxy takes the node out), then up to 10 s for requests under way.
            '--shutdown-delay=3s',
            '--shutdown-timeout=10s',
          ],
        });
        if (!started.startedByUs) throw new Error(`a Keycloak already answers on port ${node.http}`);
        handle.stop = started.stop;
      };
      handle.stop = async () => {};
      return handle;
    });
    cleanups.push(() => Promise.all(keycloakNodes.map((n) => n.stop())));
    // One after the other: the first creates the schema and the realm.
    for (const node of keycloakNodes) {
      next();
      await node.start();
    }

    const redisPort = await freePort();
    const redis = { url: `redis://127.0.0.1:${redisPort}` };
    next();
    let redisHandle = await startRedis({ port: redisPort, name: 'cluster', fresh: true, log });
    redis.stop = () => redisHandle.stop();
    redis.start = async () => {
      redisHandle = await startRedis({ port: redisPort, name: 'cluster', log });
    };
    redis.restart = async () => {
      await redisHandle.stop();
      await redis.start();
    };
    cleanups.push(() => redis.stop());

    next();
    const haproxy = await startHaproxy({
      log,
      tiers: [
        {
          name: 'keycloak',
          port: lb.keycloak,
          check: '/health/ready',
          servers: keycloakNodes.map((n, i) => ({
            name: `kc${i + 1}`,
            port: n.port,
            checkPort: n.managementPort,
          })),
        },
        ...TIERS.map((tier) => ({
          name: tier,
          port: lb[tier],
          check: '/health/ready',
          servers: replicaPorts.map((ports, i) => ({ name: `${tier}-${i + 1}`, port: ports[tier] })),
        })),
      ],
    });
    cleanups.push(() => haproxy.stop());
    const urls = { ...haproxy.urls, keycloak: keycloakUrl };
    // Keycloak reads each client's public keys from its jwks.url (the services sign their client assertions) and
    // sends back-channel logouts to service-a: both point at the frontends, where every replica serves the same
    // keys (one keys folder per service) and any replica ends a session for all (Redis).
    await stack.pointJwksUrls(keycloakUrl, Object.fromEntries(TIERS.map((t) => [t, urls[t]])));

    let mode = authMode;
    const replicas = replicaPorts.map((ports, index) => {
      const handle = { ports, stop: async () => {} };
      handle.start = async () => {
        const started = await stack.startServices({
          keycloakUrl,
          ports,
          authModes: { 'service-a': mode, 'service-b': mode, 'service-c': mode },
          nextUrls: { 'service-b': urls['service-b'], 'service-c': urls['service-c'] },
          // A drained replica answers 503 on readiness for 3 s before it closes, longer than HAProxy needs to see it.
          // Every service keeps the state of its security checks in Redis, one for all its replicas (DPoP proofs
          // used, introspection budgets; service-a's login limits and logout tokens too).
          env: { SHUTDOWN_DELAY_MS: '3000', REDIS_URL: redis.url, ...env },
          serviceEnv: {
            'service-a': {
              PUBLIC_URL: urls['service-a'],
              SESSION_STORE: 'redis',
              SESSION_ENCRYPTION_KEYS: DEV_SESSION_KEY,
            },
          },
          onOutput: onOutput && ((name, chunk) => onOutput(`${name}-${index + 1}`, chunk)),
        });
        handle.stop = started.stop;
        handle.pids = started.pids;
      };
      return handle;
    });
    cleanups.push(() => Promise.all(replicas.map((r) => r.stop())));
    for (const replica of replicas) {
      next();
      await replica.start();
    }
    const restartServices = async (newMode) => {
      mode = newMode;
      for (const replica of replicas) {
        await replica.stop();
        await replica.start();
      }
    };
    const serverStats = () => haproxy.serverStats();
    return { urls, keycloakNodes, replicas, redis, restartServices, serverStats, mode: () => mode, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function main() {
  const mode = process.env.AUTH_MODE ?? 'jwt';
  let cluster;
  let stopping = false;
  const shutdown = async (code) => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping…');
    await stopAll();
    process.exit(code);
  };
  // Ctrl-C, a stop request, or the terminal closing: everything this script started is stopped, Keycloak too.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => shutdown(0));
  cluster = await startCluster({
    authMode: mode,
    onOutput: serviceOutput(),
  });
  const a = cluster.urls['service-a'];
  console.log(`
The cluster is up (services validating with ${mode}); every address below is an HAProxy frontend.
  Keycloak  ${cluster.urls.keycloak}  (nodes on ${cluster.keycloakNodes.map((n) => n.port).join(' and ')})
  service-a ${a}   service-b ${cluster.urls['service-b']}   service-c ${cluster.urls['service-c']}
  open ${a} and log in as alice / alice-dev-password
  curl -s ${a}/api/chain -H 'content-type: application/json' -d '{"order_id": 9876, "amount": 1500}'
Ctrl-C stops everything.`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error) => {
    console.error(error.message ?? error);
    process.exit(1);
  });
}

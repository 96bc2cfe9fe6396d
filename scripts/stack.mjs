#!/usr/bin/env node
// The whole system without Docker: Keycloak (fetched with Maven, or reused when one already answers), then
// service-c, service-b and service-a as plain Node processes. Ctrl-C stops everything this script started.
// Also imported by the e2e setup, so tests run exactly what `npm run stack` runs.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The services in start order (the last hop first), with their dev ports and the realm's dev-only secrets. */
export const SERVICES = [
  { name: 'service-c', port: 3002, secret: 'service-c-dev-secret' },
  {
    name: 'service-b',
    port: 3001,
    secret: 'service-b-dev-secret',
    next: { key: 'SERVICE_C_URL', name: 'service-c' },
  },
  {
    name: 'service-a',
    port: 3000,
    secret: 'service-a-dev-secret',
    next: { key: 'SERVICE_B_URL', name: 'service-b' },
  },
];

/** A free TCP port on loopback, chosen by the OS. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitLive(url, child, output, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const res = await fetch(`${url}/health/live`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  const tail = output.join('').split('\n').slice(-20).join('\n');
  throw new Error(`${url} did not become live (exit code ${child.exitCode}). Last output:\n${tail}`);
}

/**
 * Starts the three services against `keycloakUrl`. `ports` maps a service name to its port (0 or missing: the
 * dev port; 'free': any free port); `authModes` maps a name to jwt or introspection. `onOutput(name, chunk)`
 * receives each service's output. `entry(name)` is the script a service runs (default `apps/<name>/src/main.ts`;
 * the benchmark runs its own variants) and `nodeArgs` go to node before it (e.g. `--cpu-prof`). Returns the URLs,
 * the process ids (the benchmark reads their CPU time) and `stop()`.
 */
export async function startServices({
  keycloakUrl,
  ports = {},
  authModes = {},
  env = {},
  onOutput,
  timeoutMs = 60_000,
  entry = (name) => `apps/${name}/src/main.ts`,
  nodeArgs = [],
}) {
  const started = [];
  const urls = {};
  const pids = {};
  const stop = async () => {
    await Promise.all(
      started.map(
        (child) =>
          new Promise((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', resolve);
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 5000).unref();
          }),
      ),
    );
  };
  try {
    for (const service of SERVICES) {
      const wanted = ports[service.name];
      const port = wanted === 'free' ? await freePort() : wanted || service.port;
      const childEnv = {
        ...process.env,
        KEYCLOAK_URL: keycloakUrl,
        KEYCLOAK_REALM: 's2s',
        CLIENT_ID: service.name,
        CLIENT_SECRET: service.secret,
        AUTH_MODE: authModes[service.name] ?? 'jwt',
        PORT: String(port),
        HOST: '127.0.0.1',
        ...env,
      };
      if (service.next) childEnv[service.next.key] = urls[service.next.name];
      if (service.name === 'service-a') {
        // Off by default; the dev stack and the tests enable the internal login (password grant).
        childEnv.ENABLE_PASSWORD_GRANT ??= 'true';
        // A free port is reached as 127.0.0.1:<port>, which the realm accepts as a redirect on any port
        // (RFC 8252 loopback); the dev port keeps the default http://localhost:3000.
        if (wanted === 'free') childEnv.PUBLIC_URL ??= `http://127.0.0.1:${port}`;
      }
      const child = spawn(process.execPath, [...nodeArgs, '-r', '@swc-node/register', entry(service.name)], {
        cwd: root,
        env: childEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      started.push(child);
      pids[service.name] = child.pid;
      const output = [];
      const collect = (chunk) => {
        output.push(chunk.toString());
        if (output.length > 200) output.shift();
        onOutput?.(service.name, chunk.toString());
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      urls[service.name] = `http://127.0.0.1:${port}`;
      await waitLive(urls[service.name], child, output, timeoutMs);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { urls, pids, stop };
}

async function main() {
  const { ensureKeycloak } = await import('./keycloak.mjs');
  const keycloak = await ensureKeycloak({ log: (line) => console.log(`[keycloak] ${line}`) });
  const mode = process.env.AUTH_MODE;
  const authModes = mode
    ? { 'service-b': mode, 'service-c': mode }
    : { 'service-b': 'introspection', 'service-c': 'jwt' };
  let services;
  const shutdown = async (code) => {
    console.log('\nstopping…');
    await services?.stop();
    await keycloak.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));
  try {
    services = await startServices({
      keycloakUrl: keycloak.url,
      authModes,
      onOutput: (name, chunk) => process.stdout.write(chunk.replace(/^(?=.)/gm, `[${name}] `)),
    });
  } catch (error) {
    console.error(error.message);
    await shutdown(1);
  }
  console.log(`
The chain is up (service-b: ${authModes['service-b']}, service-c: ${authModes['service-c']}; Keycloak ${keycloak.url}).
  open http://localhost:3000 and log in as alice / alice-dev-password (or bob / bob-dev-password: no role)
  curl -s localhost:3000/run-service-b
  curl -s localhost:3000/api/chain -H 'content-type: application/json' -d '{"order_id": 9876, "amount": 1500}'
Ctrl-C stops everything.`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error) => {
    console.error(error.message ?? error);
    process.exit(1);
  });
}

#!/usr/bin/env node
// The whole system without Docker: Keycloak (fetched with Maven, or reused when one already answers), then
// service-c, service-b and service-a as plain Node processes. Ctrl-C stops everything this script started.
// Also imported by the e2e setup, so tests run exactly what `npm run stack` runs.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceOutput } from './service-output.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The services in start order (the last hop first), with their dev ports: the realm's clients read each one's
 * public keys at http://localhost:<port>/.well-known/jwks.json (realm-export.json's default jwks.url).
 */
export const SERVICES = [
  { name: 'service-c', port: 3002 },
  { name: 'service-b', port: 3001, next: { key: 'SERVICE_C_URL', name: 'service-c' } },
  { name: 'service-a', port: 3000, next: { key: 'SERVICE_B_URL', name: 'service-b' } },
];

/** Where the dev stack keeps each service's key pairs (`<folder>/<service>`, git-ignored), made at first start. */
export const DEV_KEYS_DIR = join(root, '.keys');

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
 * the benchmark runs its own variants) and `nodeArgs` go to node before it (e.g. `--cpu-prof`). Each service signs
 * its client assertions with the keys in `<keysDir>/<name>` (made when missing): two chains given one `keysDir`
 * share keys, so Keycloak's one jwks.url per client serves both. `nextUrls` maps a name to the URL
 * its caller reaches it at instead of its own (e.g. a load balancer's) and `serviceEnv` maps a name to extra
 * environment for that service only (both for the cluster stack's replicas). Returns the URLs,
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
  keysDir = DEV_KEYS_DIR,
  nextUrls = {},
  serviceEnv = {},
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
        CLIENT_AUTH_METHOD: 'private_key_jwt',
        CLIENT_KEYS_DIR: join(keysDir, service.name),
        CLIENT_KEYS_GENERATE: 'true',
        AUTH_MODE: authModes[service.name] ?? 'jwt',
        PORT: String(port),
        HOST: '127.0.0.1',
        ...env,
        ...serviceEnv[service.name],
      };
      if (service.next) childEnv[service.next.key] = nextUrls[service.next.name] ?? urls[service.next.name];
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

/**
 * Points each service client of realm s2s at `urls[name]/.well-known/jwks.json` (client attribute `jwks.url`), and
 * service-a's back-channel logout URL at `urls['service-a']/auth/backchannel-logout`, with
 * the dev-only bootstrap admin: for chains on other ports than the dev stack's, which realm-export.json names.
 * Keycloak reads a client's JWKS at first use, so this must run before the services' first call to Keycloak.
 */
export async function pointJwksUrls(keycloakUrl, urls, realm = 's2s') {
  const login = await fetch(`${keycloakUrl}/realms/master/protocol/openid-connect/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: 'admin-cli',
      username: process.env.KEYCLOAK_ADMIN_USER ?? 'admin',
      password: process.env.KEYCLOAK_ADMIN_PASSWORD ?? 'admin',
    }),
  });
  if (!login.ok) throw new Error(`admin login at ${keycloakUrl} failed: HTTP ${login.status}`);
  const headers = {
    authorization: `Bearer ${(await login.json()).access_token}`,
    'content-type': 'application/json',
  };
  const admin = `${keycloakUrl}/admin/realms/${realm}/clients`;
  for (const [name, url] of Object.entries(urls)) {
    const [client] = await (await fetch(`${admin}?clientId=${encodeURIComponent(name)}`, { headers })).json();
    if (!client) throw new Error(`realm ${realm} has no client ${name}`);
    client.attributes = { ...client.attributes, 'jwks.url': `${url}/.well-known/jwks.json` };
    // service-a also receives the realm's back-channel logout tokens where it runs.
    if (name === 'service-a') client.attributes['backchannel.logout.url'] = `${url}/auth/backchannel-logout`;
    const put = await fetch(`${admin}/${client.id}`, {
      method: 'PUT',
      headers,
      body: JSON.stringify(client),
    });
    if (!put.ok) throw new Error(`setting the jwks.url of ${name} failed: HTTP ${put.status}`);
  }
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
  // Ctrl-C, a stop request, or the terminal closing: everything this script started is stopped, Keycloak too.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => shutdown(0));
  try {
    services = await startServices({
      keycloakUrl: keycloak.url,
      authModes,
      onOutput: serviceOutput(),
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

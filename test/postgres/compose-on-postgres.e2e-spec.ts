import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import {
  composeEnvironment,
  composeService,
  healthcheckCommand,
  publishedPorts,
  readComposeFile,
  toLoopback,
} from '../project/compose-file';
import { SERVICES } from '../project/service-contract';
import { post } from '../e2e/support/http';
import { clientAssertionForm } from '../e2e/support/client-keys';
import { temporaryClient } from '../e2e/support/keycloak';
import { adminWorkingOn } from '../../tools/realm-cli/src/admin-connection';
import { freePort, RunningService, startService } from '../e2e/support/service-process';
import { PostgresCluster, startPostgres } from './postgres-cluster';

// docker-compose.yml without containers: Keycloak on a throw-away PostgreSQL with the compose file's variables, and
// the three services built as the Dockerfile builds them (compiled JavaScript, production dependencies only) with
// theirs, every compose host name mapped to a loopback port. The issuer stays separate from the address services
// use (localhost for the browser, 127.0.0.1 for the services), as localhost:8080 and keycloak:8080 in compose.

const root = join(__dirname, '..', '..');
const compose = readComposeFile();
const KC = composeEnvironment(compose, 'keycloak');
const PG = composeEnvironment(compose, 'postgres');
/** The port of the postgres image (the compose file does not change it). */
const POSTGRES_PORT = 5432;
const REDIS_PORT = 6379;
const INSTANCE = 'postgres';
const MODES = ['jwt', 'introspection'] as const;
const NAMES = Object.keys(SERVICES);
const START_TIMEOUT_MS = Number(process.env.KEYCLOAK_START_TIMEOUT || 180) * 1000 + 60_000;

/** Runs a program to its end; rejects with its output when it fails. */
function run(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd ?? root, env: options.env ?? process.env });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${output}`)),
    );
  });
}

/** A healthcheck of the compose file, run here: its exit status (0 healthy). */
function healthcheck(argv: string[], env: Record<string, string> = {}): number | null {
  return spawnSync(argv[0], argv.slice(1), { env: { ...process.env, ...env }, timeout: 10_000 }).status;
}

async function clientCredentials(base: string, clientId: string, auth: string | Record<string, string>) {
  const credentials = typeof auth === 'string' ? { client_id: clientId, client_secret: auth } : auth;
  const res = await fetch(`${base}/realms/s2s/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...credentials }),
  });
  return { status: res.status, body: (await res.json()) as { access_token?: string; error?: string } };
}

const claimsOf = (token = '') => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());

describe('docker-compose.yml on a Postgres-backed Keycloak, without containers', () => {
  let pg: PostgresCluster | undefined;
  let work: string | undefined;
  let kcPort: number;
  let kcManagementPort: number;
  let kcEnv: Record<string, string>;
  /** The services' key folders (the compose file's are volumes), one per service, shared by both chains. */
  const keysDir = mkdtempSync(join(tmpdir(), 'keycloak-s2s-keys-'));
  const ports: Record<string, Record<string, number>> = {};
  let keycloakStarted = false;
  let redis: { port: number; stop: () => Promise<void> } | undefined;
  const chains: Record<string, Record<string, RunningService>> = {};
  const services = () => Object.values(chains).flatMap((chain) => Object.values(chain));

  /** Browser and services reach Keycloak under different names, like localhost:8080 and keycloak:8080. */
  const browserUrl = () => `http://localhost:${kcPort}`;
  const serviceUrl = () => `http://127.0.0.1:${kcPort}`;

  const keycloak = (command: 'start' | 'stop') =>
    run(
      process.execPath,
      [
        ...['scripts/keycloak.mjs', command, '--instance', INSTANCE],
        ...['--port', String(kcPort), '--management-port', String(kcManagementPort)],
      ],
      { env: { ...process.env, ...kcEnv } },
    );

  const keycloakHealthcheck = () => {
    const argv = healthcheckCommand(composeService(compose, 'keycloak'));
    // The image's management port is 9000; this Keycloak's is another.
    return healthcheck([...argv.slice(0, -1), argv.at(-1)!.replace(/\/9000$/, `/${kcManagementPort}`)]);
  };

  /** Every host:port of the compose network, and the browser's published localhost ports, to a loopback port. */
  function loopbackHosts(ports: Record<string, number> = {}): Record<string, string> {
    const [keycloakPort] = publishedPorts(composeService(compose, 'keycloak'));
    const hosts: Record<string, string> = {
      [`postgres:${POSTGRES_PORT}`]: `127.0.0.1:${pg!.port}`,
      [`keycloak:${keycloakPort.target}`]: `127.0.0.1:${kcPort}`,
      [`redis:${REDIS_PORT}`]: `127.0.0.1:${redis!.port}`,
      [`localhost:${keycloakPort.published}`]: `localhost:${kcPort}`,
    };
    for (const name of NAMES.filter((n) => ports[n] !== undefined)) {
      hosts[`${name}:${composeEnvironment(compose, name).PORT}`] = `127.0.0.1:${ports[name]}`;
      for (const { published } of publishedPorts(composeService(compose, name)))
        hosts[`localhost:${published}`] = `localhost:${ports[name]}`;
    }
    return hosts;
  }

  const chainRequest = (mode: string, value: number) =>
    post(`${chains[mode]['service-a'].url}/api/chain`, { order_id: 6006, amount: 12.5, value });

  beforeAll(async () => {
    [kcPort, kcManagementPort] = [await freePort(), await freePort()];
    pg = await startPostgres({
      port: await freePort(),
      user: PG.POSTGRES_USER,
      password: PG.POSTGRES_PASSWORD,
      database: PG.POSTGRES_DB,
    });
    // service-a's sessions: Debian's redis-server, as the project's scripts run it, in place of the redis service.
    const { startRedis } = (await import(join(root, 'scripts', 'redis.mjs'))) as {
      startRedis: (o: {
        port: number;
        name: string;
        fresh: boolean;
      }) => Promise<{ port: number; stop: () => Promise<void> }>;
    };
    redis = await startRedis({ port: await freePort(), name: 'postgres-job', fresh: true });
    for (const mode of MODES)
      ports[mode] = Object.fromEntries(await Promise.all(NAMES.map(async (n) => [n, await freePort()])));
    // The realm's jwks.url placeholders (the Keycloak container's variables) name the services on the compose
    // network: mapped to the jwt chain's ports, whose key folders the introspection chain shares.
    kcEnv = toLoopback(KC, loopbackHosts(ports.jwt), compose);
    const starting = keycloak('start').then(() => (keycloakStarted = true));
    // Meanwhile, the Dockerfile's two stages: compile (build) and production dependencies only (deps).
    work = mkdtempSync(join(tmpdir(), 'keycloak-s2s-image-'));
    // The workspace's package.json too: npm ci installs the library's dependencies from it.
    mkdirSync(join(work, 'libs', 'keycloak-auth'), { recursive: true });
    for (const file of ['package.json', 'package-lock.json', 'libs/keycloak-auth/package.json'])
      copyFileSync(join(root, file), join(work, file));
    await run(process.execPath, ['scripts/build.mjs', '--out-dir', join(work, 'dist')]);
    await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: work });
    await starting;
    for (const mode of MODES) {
      const hosts = loopbackHosts(ports[mode]);
      chains[mode] = {};
      for (const name of [...NAMES].reverse()) {
        const env = toLoopback(composeEnvironment(compose, name), hosts, compose);
        // Not from the file: each chain runs all three services in one mode, on loopback; NODE_ENV as the image;
        // the key folder of the service's volume is a folder of its own here.
        Object.assign(env, {
          AUTH_MODE: mode,
          HOST: '127.0.0.1',
          PORT: String(ports[mode][name]),
          NODE_ENV: 'production',
          CLIENT_KEYS_DIR: join(keysDir, name),
        });
        chains[mode][name] = await startService(name, env, {
          port: ports[mode][name],
          cwd: work,
          nodeArgs: [join(work, 'dist', 'apps', name, 'src', 'main.js')],
        });
      }
    }
  }, START_TIMEOUT_MS + 120_000);

  afterAll(async () => {
    await Promise.all(services().map((s) => s.stop()));
    if (keycloakStarted) await keycloak('stop');
    await redis?.stop();
    pg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
    rmSync(keysDir, { recursive: true, force: true });
  }, 60_000);

  it("keeps Keycloak's realm in Postgres, which answers the compose file's healthcheck", () => {
    const argv = healthcheckCommand(composeService(compose, 'postgres'));
    expect(pg!.client(argv[0], [...argv.slice(1), '-p', String(pg!.port)]).status).toBe(0);
    const realms = pg!.client('psql', [
      ...['-h', '127.0.0.1', '-p', String(pg!.port), '-U', PG.POSTGRES_USER, '-d', PG.POSTGRES_DB],
      ...['-At', '-c', 'SELECT name FROM realm ORDER BY name'],
    ]);
    expect(String(realms.stdout).trim().split('\n')).toEqual(['master', 's2s']);
  });

  it("answers the compose file's Keycloak healthcheck (bash, no curl) on its management port", () => {
    expect(keycloakHealthcheck()).toBe(0);
  });

  it("gives one issuer at the browser's and at the services' address (KC_HOSTNAME, dynamic backchannel)", async () => {
    const issuer = `${toLoopback({ v: KC.KC_HOSTNAME }, loopbackHosts(), compose).v}/realms/s2s`;
    expect(issuer).toBe(`${browserUrl()}/realms/s2s`);
    const discovery = (await (
      await fetch(`${serviceUrl()}/realms/s2s/.well-known/openid-configuration`)
    ).json()) as Record<string, string>;
    expect(discovery.issuer).toBe(issuer);
    expect(discovery.token_endpoint).toBe(`${serviceUrl()}/realms/s2s/protocol/openid-connect/token`);
    expect(discovery.authorization_endpoint).toBe(`${issuer}/protocol/openid-connect/auth`);
    for (const base of [browserUrl(), serviceUrl()]) {
      // service-a's signed JWT (the compose file gives it no secret), made with the key it made at start.
      const assertion = await clientAssertionForm('service-a', issuer, {}, join(keysDir, 'service-a'));
      const { body } = await clientCredentials(base, 'service-a', assertion);
      expect(claimsOf(body.access_token).iss).toBe(issuer);
    }
  });

  it.each(MODES)(
    'runs the chain in %s mode: service-a → service-b → service-c, value * 2, both hops',
    async (mode) => {
      const answer = await chainRequest(mode, 21);
      expect(answer.status).toBe(200);
      expect(answer.body.service_c).toMatchObject({ result: 42 });
      expect(answer.body.hops).toMatchObject([
        { service: 'service-b', azp: 'service-a', aud: ['service-b'] },
        { service: 'service-c', azp: 'service-b', aud: ['service-c'] },
      ]);
    },
  );

  it("keeps service-a's sessions in the compose file's Redis, which answers its healthcheck", () => {
    const argv = healthcheckCommand(composeService(compose, 'redis'));
    const cli = (args: string[]) =>
      spawnSync(argv[0], ['-p', String(redis!.port), ...args], { encoding: 'utf8' });
    expect(cli(argv.slice(1)).status).toBe(0);
    expect(composeEnvironment(compose, 'service-a')).toMatchObject({ SESSION_STORE: 'redis' });
    // Both chains' service-a hold a connection to it.
    expect(cli(['client', 'list']).stdout.trim().split('\n').length).toBeGreaterThanOrEqual(MODES.length);
  });

  it("answers the compose file's service healthchecks (node, no curl) when the chain is up", () => {
    const argv = healthcheckCommand(composeService(compose, 'service-a'));
    for (const service of services()) expect(healthcheck(argv, { PORT: new URL(service.url).port })).toBe(0);
  });

  it(
    'keeps the realm and its state across a Keycloak restart: a rotated secret, the signing keys, the chains',
    async () => {
      const admin = async () => {
        const login = new KcAdminClient({ baseUrl: serviceUrl(), realmName: 'master' });
        await login.auth({
          grantType: 'password',
          clientId: 'admin-cli',
          username: KC.KC_BOOTSTRAP_ADMIN_USERNAME,
          password: KC.KC_BOOTSTRAP_ADMIN_PASSWORD,
        });
        return adminWorkingOn(login, 's2s');
      };
      const before = await admin();
      const probe = await temporaryClient(before, 'postgres-restart-probe', []);
      const [{ id }] = await before.clients.find({ clientId: 'postgres-restart-probe' });
      const { value: rotated } = await before.clients.generateNewClientSecret({ id: id! });
      const kids = async () =>
        (
          (await (await fetch(`${serviceUrl()}/realms/s2s/protocol/openid-connect/certs`)).json()) as {
            keys: { kid: string }[];
          }
        ).keys
          .map((k) => k.kid)
          .sort();
      const kidsBefore = await kids();
      expect((await clientCredentials(serviceUrl(), 'postgres-restart-probe', rotated!)).status).toBe(200);
      expect((await clientCredentials(serviceUrl(), 'postgres-restart-probe', probe.secret)).status).toBe(
        401,
      );

      await keycloak('stop');
      keycloakStarted = false;
      expect(keycloakHealthcheck()).not.toBe(0);
      const ready = await fetch(`${chains.introspection['service-b'].url}/health/ready`);
      expect(ready.status).toBe(503);

      await keycloak('start');
      keycloakStarted = true;
      const log = readFileSync(join(root, '.keycloak', 'instances', INSTANCE, 'keycloak.log'), 'utf8');
      expect(log).toMatch(/Realm 's2s' already exists\. Import skipped/);
      expect(keycloakHealthcheck()).toBe(0);
      expect((await clientCredentials(serviceUrl(), 'postgres-restart-probe', rotated!)).status).toBe(200);
      expect((await clientCredentials(serviceUrl(), 'postgres-restart-probe', probe.secret)).status).toBe(
        401,
      );
      expect(await kids()).toEqual(kidsBefore);
      // The services kept running through the restart: their next request works again.
      for (const mode of MODES)
        expect((await chainRequest(mode, 4)).body.service_c).toMatchObject({ result: 8 });

      const after = await admin();
      await after.clients.del({ id: id! });
    },
    START_TIMEOUT_MS + 60_000,
  );
});

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  ComposeModel,
  composeEnvironment,
  composeService,
  healthcheckCommand,
  publishedPorts,
  readComposeFile,
} from './compose-file';
import { checkDeployedEnv, SERVICES } from './service-contract';

const root = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');
const realm = JSON.parse(read('realm-export.json')) as {
  realm: string;
  clients: {
    clientId: string;
    secret?: string;
    redirectUris?: string[];
    attributes?: Record<string, string>;
  }[];
};

/**
 * The compose implementation on this machine: Docker Compose v2 (`docker compose`) or v1 (`docker-compose`, Debian's
 * package). Neither needs a Docker engine for `config`. None at all is a failure naming the package, not a skip.
 */
function composeCli(): string[] {
  for (const cli of [['docker', 'compose'], ['docker-compose']]) {
    const probe = spawnSync(cli[0], [...cli.slice(1), 'version'], { encoding: 'utf8' });
    if (probe.status === 0) return cli;
  }
  throw new Error(
    "No compose parser on this machine (neither `docker compose` nor `docker-compose` runs): install Debian's " +
      'docker-compose package (`apt-get install docker-compose`, as .ci/run does) or Docker Compose v2.',
  );
}

/** The variables the file reads its image names from (the compose job points them at local stand-ins). */
const IMAGE_VARIABLES = ['NODE_IMAGE', 'POSTGRES_IMAGE', 'REDIS_IMAGE', 'KEYCLOAK_IMAGE'] as const;

/**
 * Runs the parser's `config` on `file` with the image variables unset, or set as in `images`: its exit status, what
 * it printed and, when it succeeded, the model.
 */
function composeConfig(cli: string[], file: string, images: Partial<Record<string, string>> = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, COMPOSE_PROJECT_NAME: 'keycloak-s2s' };
  for (const name of IMAGE_VARIABLES) delete env[name];
  const run = spawnSync(cli[0], [...cli.slice(1), '-f', file, 'config'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...env, ...images },
  });
  const model = run.status === 0 ? (parse(run.stdout) as ComposeModel) : undefined;
  return { status: run.status, output: `${run.stdout}${run.stderr}`, model };
}

describe('docker-compose.yml, as the compose parser resolves it (no Docker engine needed)', () => {
  let cli: string[];
  let model: ComposeModel;
  const service = (name: string) => composeService(model, name);
  const env = (name: string) => composeEnvironment(model, name);

  beforeAll(() => {
    cli = composeCli();
    const resolved = composeConfig(cli, 'docker-compose.yml');
    if (!resolved.model) throw new Error(`${cli.join(' ')} config refused the file:\n${resolved.output}`);
    model = resolved.model;
  });

  it('is a model of Postgres, Keycloak, Redis and the three services', () => {
    expect(Object.keys(model.services).sort()).toEqual(
      ['keycloak', 'postgres', 'redis', ...Object.keys(SERVICES)].sort(),
    );
  });

  it("keeps service-a's sessions in Redis, which persists them and is healthy before service-a starts", () => {
    expect(env('service-a')).toMatchObject({ SESSION_STORE: 'redis', REDIS_URL: 'redis://redis:6379' });
    expect(Buffer.from(env('service-a').SESSION_ENCRYPTION_KEYS, 'base64')).toHaveLength(32);
    expect(service('redis').command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    expect(healthcheckCommand(service('redis'))).toEqual(['redis-cli', 'ping']);
  });

  it('gives every service Redis for the state of its security checks, shared by its replicas', () => {
    for (const name of Object.keys(SERVICES)) expect(env(name).REDIS_URL).toBe('redis://redis:6379');
  });

  it('has Keycloak post its logout tokens to service-a on the compose network (back-channel logout)', () => {
    const placeholder =
      realm.clients.find((c) => c.clientId === 'service-a')?.attributes?.['backchannel.logout.url'] ?? '';
    const variable = /^\$\{(\w+):/.exec(placeholder)?.[1] ?? 'none';
    expect(env('keycloak')[variable]).toBe(
      `http://service-a:${env('service-a').PORT}/auth/backchannel-logout`,
    );
  });

  it('is checked by a parser that refuses a broken file (a mapping where the healthcheck needs a string)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compose-'));
    try {
      const broken = read('docker-compose.yml').replace(
        '- CMD\n    - node\n    - -e\n    - "fetch(\'',
        '- CMD\n    - node\n    - -e\n    - fetch: "(\'',
      );
      expect(broken).not.toBe(read('docker-compose.yml'));
      writeFileSync(join(dir, 'docker-compose.yml'), broken);
      const refused = composeConfig(cli, join(dir, 'docker-compose.yml'));
      expect(refused.status).not.toBe(0);
      expect(refused.output).toMatch(/healthcheck/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("takes every image from a variable whose default is the official image, the services' base (NODE_IMAGE) too", () => {
    const node = `node:${read('.node-version').trim()}-bookworm-slim`;
    expect(service('postgres').image).toBe('postgres:17');
    expect(service('redis').image).toBe('redis:7.0');
    expect(service('keycloak').image).toBe(`keycloak/keycloak:${read('keycloak.version').trim()}`);
    for (const name of Object.keys(SERVICES)) expect(service(name).build?.args?.NODE_IMAGE).toBe(node);
    // The Dockerfile's own default is the same image, for a plain `docker build`.
    expect(read('Dockerfile')).toMatch(new RegExp(`^ARG NODE_IMAGE=${node.replace(/\./g, '\\.')}$`, 'm'));

    const standins = Object.fromEntries(
      IMAGE_VARIABLES.map((name) => [name, `stand-in/${name.toLowerCase()}:1`]),
    );
    const moved = composeConfig(cli, 'docker-compose.yml', standins).model!;
    expect(moved.services.postgres.image).toBe(standins.POSTGRES_IMAGE);
    expect(moved.services.redis.image).toBe(standins.REDIS_IMAGE);
    expect(moved.services.keycloak.image).toBe(standins.KEYCLOAK_IMAGE);
    for (const name of Object.keys(SERVICES))
      expect(moved.services[name].build?.args).toEqual({ SERVICE: name, NODE_IMAGE: standins.NODE_IMAGE });
  });

  it('runs the Keycloak of keycloak.version, importing the realm, on the Postgres service with its credentials', () => {
    const keycloak = service('keycloak');
    const kc = env('keycloak');
    const pg = env('postgres');
    expect(keycloak.image).toBe(`keycloak/keycloak:${read('keycloak.version').trim()}`);
    expect(['start', 'start-dev']).toContain(keycloak.command?.[0]);
    expect(keycloak.command).toContain('--import-realm');
    expect(keycloak.volumes?.map(String).join('\n')).toMatch(
      /realm-export\.json:\/opt\/keycloak\/data\/import\/realm-export\.json:ro/,
    );
    expect(kc).toMatchObject({
      KC_DB: 'postgres',
      KC_DB_URL: `jdbc:postgresql://postgres:5432/${pg.POSTGRES_DB}`,
      KC_DB_USERNAME: pg.POSTGRES_USER,
      KC_DB_PASSWORD: pg.POSTGRES_PASSWORD,
      KC_HEALTH_ENABLED: 'true',
    });
  });

  it('gives browser and services one issuer: KC_HOSTNAME with a dynamic backchannel, KEYCLOAK_URL on the network', () => {
    const kc = env('keycloak');
    const [{ published, target }] = publishedPorts(service('keycloak'));
    expect(kc.KC_HOSTNAME).toBe(`http://localhost:${published}`);
    expect(kc.KC_HOSTNAME_BACKCHANNEL_DYNAMIC).toBe('true');
    for (const name of Object.keys(SERVICES)) {
      expect(env(name)).toMatchObject({
        KEYCLOAK_URL: `http://keycloak:${target}`,
        KEYCLOAK_REALM: realm.realm,
        KEYCLOAK_ISSUER: `${kc.KC_HOSTNAME}/realms/${realm.realm}`,
      });
    }
  });

  it.each(Object.keys(SERVICES))(
    'sets every variable %s needs, for its own image, client, port and next hop',
    (name) => {
      const vars = env(name);
      expect(() => checkDeployedEnv(name, vars)).not.toThrow();
      expect(service(name).build?.args?.SERVICE).toBe(name);
      expect(existsSync(join(root, 'apps', name, 'src', 'main.ts'))).toBe(true);
      expect(vars.CLIENT_ID).toBe(name);
      // Secretless: a signed JWT with the key pair the service makes in its own volume, which Keycloak reads at
      // the address the realm file's jwks.url placeholder gets on the compose network.
      expect(vars.CLIENT_SECRET).toBeUndefined();
      expect(vars).toMatchObject({ CLIENT_KEYS_DIR: '/keys', CLIENT_KEYS_GENERATE: 'true' });
      const volumes = service(name).volumes?.map((v) =>
        typeof v === 'string' ? v : `${v.source}:${v.target}`,
      );
      expect(volumes?.map((v) => v.replace(/:rw$/, ''))).toEqual([`${name}-keys:/keys`]);
      const placeholder = realm.clients.find((c) => c.clientId === name)?.attributes?.['jwks.url'];
      const variable = /^\$\{(\w+):/.exec(placeholder ?? '')?.[1] ?? 'none';
      expect(env('keycloak')[variable]).toBe(`http://${name}:${vars.PORT}/.well-known/jwks.json`);
      expect(publishedPorts(service(name)).map((p) => p.target)).toEqual([Number(vars.PORT)]);
      const nextHop = SERVICES[name].nextHop;
      if (nextHop) expect(vars[nextHop.key]).toBe(`http://${nextHop.service}:${env(nextHop.service).PORT}`);
    },
  );

  it("sends service-a's logins back to a redirect URI the realm allows", () => {
    const { redirectUris = [] } = realm.clients.find((c) => c.clientId === 'service-a')!;
    expect(redirectUris).toContain(`${env('service-a').PUBLIC_URL}/auth/callback`);
  });

  it('starts each container only when what it needs is healthy', () => {
    const dependsOn = (name: string) => service(name).depends_on;
    expect(dependsOn('keycloak')).toEqual({ postgres: { condition: 'service_healthy' } });
    for (const name of Object.keys(SERVICES)) {
      const needs = [
        'keycloak',
        ...(SERVICES[name].nextHop ? [SERVICES[name].nextHop.service] : []),
        'redis',
      ];
      // Compose v2 adds `required: true` to each entry; v1 prints the condition only.
      expect(dependsOn(name)).toEqual(
        Object.fromEntries(needs.map((n) => [n, expect.objectContaining({ condition: 'service_healthy' })])),
      );
    }
  });

  it('gives every container a healthcheck that needs no curl; Keycloak asks its management port for readiness', () => {
    for (const name of Object.keys(model.services)) {
      expect(service(name).healthcheck?.test?.[0]).toBe('CMD');
      expect(healthcheckCommand(service(name)).join(' ')).not.toMatch(/\b(curl|wget)\b/);
    }
    expect(healthcheckCommand(service('postgres'))[0]).toBe('pg_isready');
    const [shell, flag, script] = healthcheckCommand(service('keycloak'));
    expect([shell, flag]).toEqual(['bash', '-c']);
    expect(script).toMatch(/\/dev\/tcp\/127\.0\.0\.1\/9000$/);
    expect(script).toMatch(/HEAD \/health\/ready HTTP\/1\.1.*grep -q 'HTTP\/1\.1 200'/);
    for (const name of Object.keys(SERVICES)) {
      expect(healthcheckCommand(service(name)).slice(0, 2)).toEqual(['node', '-e']);
      expect(healthcheckCommand(service(name))[2]).toMatch(/process\.env\.PORT \+ '\/health\/ready'/);
    }
  });

  it('agrees with how the Postgres e2e job reads the file (variables and healthchecks)', () => {
    const asWritten = readComposeFile();
    for (const name of Object.keys(model.services)) {
      expect(composeEnvironment(asWritten, name)).toEqual(env(name));
      expect(healthcheckCommand(composeService(asWritten, name))).toEqual(healthcheckCommand(service(name)));
    }
  });
});

import type KcAdminClient from '@keycloak/keycloak-admin-client';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { ClientKeySet } from 'nest-keycloak-s2s/client-keys';
import { clientAssertionForm } from './support/client-keys';
import { blocksOf } from './support/doc-blocks';
import { realmCliCommands } from './support/doc-commands';
import { adminClient, claimsOf, KEYCLOAK_URL, tokenUrl } from './support/keycloak';
import { freePort } from './support/service-process';

// docs/protect-your-service.md followed on the real Keycloak, in a realm of its own: the guide's `npm run realm`
// commands and its module and controller are read from the guide itself (only the realm name, the hosts and the
// ports are the test's), so the guide cannot drift from what works.

const ROOT = join(__dirname, '..', '..');
const GUIDE = readFileSync(join(ROOT, 'docs', 'protect-your-service.md'), 'utf8');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `npm run realm -- <args>` the way npm does (without npm), with the admin of the test Keycloak. */
function realmCli(args: string[]): Promise<Run> {
  const { KEYCLOAK_ADMIN_USER: _u, KEYCLOAK_ADMIN_PASSWORD: _p, ...inherited } = process.env;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', '@swc-node/register', 'tools/realm-cli/src/main.ts', ...args],
      { cwd: ROOT, env: { ...inherited, KEYCLOAK_URL } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

/** A loopback HTTP server answering `routes` by path (404 otherwise). */
async function serve(
  port: number,
  routes: Record<string, (authorization: string | undefined) => Promise<[number, unknown]>>,
): Promise<Server> {
  const server = createServer((req, res) => {
    const route = routes[req.url ?? ''];
    void (route ? route(req.headers.authorization) : Promise.resolve([404, {}] as [number, unknown])).then(
      ([status, body]) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

describe('protect your own service (docs/protect-your-service.md, on a real Keycloak)', () => {
  const realm = `shop-${Math.random().toString(36).slice(2, 8)}`;
  const issuer = `${KEYCLOAK_URL}/realms/${realm}`;
  const work = mkdtempSync(join(tmpdir(), 'protect-your-service-'));
  const ports: Record<'invoices' | 'worker' | 'ledger', number> = { invoices: 0, worker: 0, ledger: 0 };
  const servers: Server[] = [];
  const ledgerCalls: string[] = [];
  let admin: KcAdminClient;
  let app: INestApplication | undefined;
  let invoices: string;

  /** The guide's hosts and realm made the test's: its Keycloak, its free ports, its throw-away realm. */
  const local = (text: string) =>
    text
      .replaceAll('http://localhost:8080', KEYCLOAK_URL)
      .replaceAll('http://localhost:3000', `http://127.0.0.1:${ports.invoices}`)
      .replaceAll('http://localhost:3001', `http://127.0.0.1:${ports.worker}`)
      .replaceAll('http://localhost:3002', `http://127.0.0.1:${ports.ledger}`);
  const commands = () =>
    realmCliCommands(GUIDE).map((args) =>
      args.map((arg, i) => (args[i - 1] === '--realm' && arg === 'shop' ? realm : local(arg))),
    );

  /** billing-worker's token: client credentials, authenticated by a JWT signed with its own key. */
  async function workerToken(scope?: string): Promise<string> {
    const form = await clientAssertionForm('billing-worker', issuer, {}, join(work, 'billing-worker'));
    const res = await fetch(tokenUrl(realm), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form, grant_type: 'client_credentials', ...(scope ? { scope } : {}) }),
    });
    const body = (await res.json()) as { access_token?: string; error?: string };
    if (!body.access_token) throw new Error(`billing-worker got no token: ${res.status} ${body.error}`);
    return body.access_token;
  }

  const call = async (path: string, token?: string) => {
    const res = await fetch(`${invoices}${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return {
      status: res.status,
      challenge: res.headers.get('www-authenticate') ?? '',
      body: (await res.json()) as Record<string, unknown>,
    };
  };

  beforeAll(async () => {
    for (const name of Object.keys(ports) as (keyof typeof ports)[]) ports[name] = await freePort();
    admin = await adminClient();
    await admin.realms.create({ realm, enabled: true });

    // billing-worker and ledger-api publish their keys where the guide's --jwks-url says; ledger-api verifies
    // what invoices-api sends it (a token of the realm, for ledger-api) and says what it got.
    const worker = new ClientKeySet({ dir: join(work, 'billing-worker'), generate: true });
    const ledger = new ClientKeySet({ dir: join(work, 'ledger-api'), generate: true });
    const realmKeys = createRemoteJWKSet(new URL(`${issuer}/protocol/openid-connect/certs`));
    servers.push(
      await serve(ports.worker, {
        '/.well-known/jwks.json': () => Promise.resolve([200, worker.jwks()]),
      }),
      await serve(ports.ledger, {
        '/.well-known/jwks.json': () => Promise.resolve([200, ledger.jwks()]),
        '/balance': async (authorization) => {
          ledgerCalls.push(authorization ?? '');
          try {
            const { payload } = await jwtVerify(authorization?.replace(/^Bearer /, '') ?? '', realmKeys, {
              issuer,
              audience: 'ledger-api',
            });
            return [200, { aud: payload.aud, azp: payload.azp, sub: payload.sub, scope: payload.scope }];
          } catch (error) {
            return [401, { error: (error as Error).message }];
          }
        },
      }),
    );
  });

  afterAll(async () => {
    await app?.close();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    await admin?.realms.del({ realm }).catch(() => undefined);
    delete process.env.CLIENT_KEYS_DIR;
    rmSync(work, { recursive: true, force: true });
  });

  it('out of order, the caller first: refused with one line and exit 2, nothing created', async () => {
    const caller = commands().at(-1)!;
    const run = await realmCli(caller);
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr.trim().split('\n')).toEqual([
      `realm: client scope invoices-api-audience does not exist in realm ${realm}: its resource server's add-client makes it (--audience-scope or --route-scope)`,
    ]);
    admin.setConfig({ realmName: realm });
    expect(await admin.clients.find({ clientId: 'billing-worker' })).toEqual([]);
  });

  it("step 1: the guide's add-client commands register the three clients, and a second run changes nothing", async () => {
    const steps = commands();
    expect(steps).toHaveLength(3);
    for (const args of steps) {
      const run = await realmCli(args);
      expect(run, args.join(' ')).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toContain(`+ client ${args[1]} (signed JWT ES256, keys from `);
      expect(run.stdout).toMatch(/applied \d+ changes? to realm/);
    }
    for (const args of steps) {
      const again = await realmCli([...args, '--dry-run']);
      expect(again, args.join(' ')).toMatchObject({ code: 0, stderr: '' });
      expect(again.stdout).toContain(`no changes: client ${args[1]} in realm ${realm}`);
    }
    admin.setConfig({ realmName: realm });
    const [worker] = await admin.clients.find({ clientId: 'billing-worker' });
    expect(worker).toMatchObject({ clientAuthenticatorType: 'client-jwt', publicClient: false });
    expect(worker.attributes).toMatchObject({ 'use.jwks.url': 'true' });
  });

  it("step 2: the guide's module and controller, started as written, publish invoices-api's keys", async () => {
    const block = blocksOf(GUIDE)
      .map((b) => b.code.join('\n'))
      .find((code) => code.includes('export class AppModule') && code.includes("clientId: 'invoices-api'"));
    expect(block).toBeDefined();
    const source = local(block!).replace("realm: 'shop'", `realm: '${realm}'`);
    expect(source).toContain(`realm: '${realm}'`);
    const file = join(work, 'app.module.ts');
    writeFileSync(file, source);
    process.env.CLIENT_KEYS_DIR = join(work, 'invoices-api');
    const { AppModule } = (await import(file)) as { AppModule: new () => unknown };
    app = await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false });
    await app.listen(ports.invoices, '127.0.0.1');
    invoices = `http://127.0.0.1:${ports.invoices}`;
    const jwks = await fetch(`${invoices}/.well-known/jwks.json`);
    expect(jwks.status).toBe(200);
    expect(((await jwks.json()) as { keys: unknown[] }).keys).toHaveLength(1);
  });

  it("billing-worker's token with its optional scopes reaches GET /invoices", async () => {
    const token = await workerToken('invoices-api-audience invoices.read');
    expect(claimsOf(token)).toMatchObject({ azp: 'billing-worker' });
    expect(claimsOf(token).aud).toContain('invoices-api');
    expect(await call('/invoices', token)).toMatchObject({
      status: 200,
      body: { for: 'billing-worker', invoices: [] },
    });
  });

  it('without its scope= the token names no invoices-api in aud: 401 invalid_token', async () => {
    const token = await workerToken();
    expect([claimsOf(token).aud ?? []].flat()).not.toContain('invoices-api');
    const res = await call('/invoices', token);
    expect(res.status).toBe(401);
    expect(res.challenge).toMatch(/^Bearer /);
    expect(res.challenge).toContain('error="invalid_token"');
    expect(res.body).toMatchObject({ error: 'invalid_token', code: 'token_audience_invalid' });
  });

  it('with the audience but not invoices.read: 403 insufficient_scope, and ledger-api is never called', async () => {
    const before = ledgerCalls.length;
    const res = await call('/invoices/balance', await workerToken('invoices-api-audience'));
    expect(res.status).toBe(403);
    expect(res.challenge).toContain('error="insufficient_scope"');
    expect(ledgerCalls).toHaveLength(before);
  });

  it("GET /invoices/balance exchanges the caller's token for ledger-api: ledger-api gets one for itself", async () => {
    const token = await workerToken('invoices-api-audience invoices.read');
    const res = await call('/invoices/balance', token);
    expect(res.status).toBe(200);
    expect([res.body.aud].flat()).toContain('ledger-api');
    expect(res.body).toMatchObject({ azp: 'invoices-api', sub: claimsOf(token).sub });
    expect(ledgerCalls.at(-1)).not.toBe(`Bearer ${token}`);
  });
});

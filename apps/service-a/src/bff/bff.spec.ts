import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ServiceDefinition } from '@app/service-runtime';
import type * as Runtime from '@app/service-runtime';
import type * as AppModule from '../app.module';
import { escapeHtml, renderPage } from './page.view';

const RUNTIME = '@app/service-runtime';
const APP_MODULE = '../app.module';

/** A loopback port nothing listens on: Keycloak "down". */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}

/** service-a's signing keys for these tests: made at the first start, as the dev stack makes them. */
const KEYS_DIR = join(mkdtempSync(join(tmpdir(), 'bff-keys-')), 'service-a');
afterAll(() => rmSync(dirname(KEYS_DIR), { recursive: true, force: true }));

/**
 * service-a in-process, built as runService builds it (not listening), with `env` as its environment. The
 * configuration is read when the app is created, hence fresh copies of the app's and the runtime's modules
 * (`vi.resetModules`); Nest, loaded by Node itself, stays one copy that both use.
 */
async function serviceA(env: Record<string, string>): Promise<NestFastifyApplication> {
  const saved = { ...process.env };
  Object.assign(process.env, {
    CLIENT_KEYS_DIR: KEYS_DIR,
    CLIENT_KEYS_GENERATE: 'true',
    LOG_LEVEL: 'silent',
    ...env,
  });
  vi.resetModules();
  // Specifiers in variables: the compiler resolves a literal import() of this CommonJS file as an ES module
  // would (no directory index, no alias); Vitest resolves these at run time as it resolves every import.
  const runtime = (await import(RUNTIME)) as typeof Runtime;
  const definition: ServiceDefinition = ((await import(APP_MODULE)) as typeof AppModule).SERVICE_A;
  try {
    const app = await runtime.createService(definition, await runtime.loadServiceConfig(definition));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    return app;
  } finally {
    process.env = saved;
  }
}

const inject = (app: NestFastifyApplication) =>
  app.getHttpAdapter().getInstance().inject.bind(app.getHttpAdapter().getInstance());

describe('service-a BFF routes (in-process, Keycloak not contacted unless said)', () => {
  let app: NestFastifyApplication;
  let keycloakUrl: string;

  beforeAll(async () => {
    keycloakUrl = `http://127.0.0.1:${await closedPort()}`;
    app = await serviceA({ KEYCLOAK_URL: keycloakUrl, PUBLIC_URL: 'http://localhost:3000' });
  });

  afterAll(() => app.close());

  it('GET / is the page: HTML with a strict Content-Security-Policy, "Log in" and the service button', async () => {
    const res = await inject(app)({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['content-security-policy']).toContain(`form-action 'self' ${keycloakUrl}`);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toContain('href="/auth/login"');
    expect(res.body).toContain('>Call Service B</button>');
    expect(res.body).not.toContain('Call Service B as');
  });

  it('GET /auth/login redirects to Keycloak with PKCE S256, state, nonce and sets only a session cookie', async () => {
    const res = await inject(app)({ method: 'GET', url: '/auth/login' });
    expect(res.statusCode).toBe(302);
    const to = new URL(res.headers.location as string);
    expect(`${to.origin}${to.pathname}`).toBe(`${keycloakUrl}/realms/s2s/protocol/openid-connect/auth`);
    expect(Object.fromEntries(to.searchParams)).toMatchObject({
      client_id: 'service-a',
      response_type: 'code',
      redirect_uri: 'http://localhost:3000/auth/callback',
      code_challenge_method: 'S256',
      scope: 'openid profile',
    });
    expect(to.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(to.searchParams.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(to.searchParams.get('nonce')).toMatch(/^[\w-]{20,}$/);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^s2s_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
  });

  it('two logins get different state, nonce and verifier', async () => {
    const params = async () =>
      new URL((await inject(app)({ method: 'GET', url: '/auth/login' })).headers.location as string)
        .searchParams;
    const [a, b] = [await params(), await params()];
    for (const key of ['state', 'nonce', 'code_challenge']) expect(a.get(key)).not.toBe(b.get(key));
  });

  it('a callback that no login of this browser started is a readable 400 page, not a crash', async () => {
    const res = await inject(app)({ method: 'GET', url: '/auth/callback?code=abc&state=xyz' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('Login could not be completed');
  });

  it('POST /auth/logout without a session just goes back to the page', async () => {
    const res = await inject(app)({ method: 'POST', url: '/auth/logout' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/');
  });

  it('the user chain without a session is 401 login_required', async () => {
    const res = await inject(app)({
      method: 'POST',
      url: '/api/chain/user',
      payload: { order_id: 1, amount: 1 },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'login_required' });
  });

  it.each([
    ['another origin', { origin: 'http://attacker.test' }],
    ['a cross-site fetch without Origin', { 'sec-fetch-site': 'cross-site' }],
    ['Origin null', { origin: 'null' }],
  ])('a cookie-authorized POST from %s is refused with 403 before anything runs', async (_, headers) => {
    for (const url of [
      '/ui/call-service-b',
      '/ui/call-service-b-as-user',
      '/ui/approve-order',
      '/ui/approve-order-as-user',
      '/api/orders/1/approve/user',
      '/auth/logout',
      '/api/chain/user',
    ]) {
      const res = await inject(app)({ method: 'POST', url, headers, payload: { order_id: 1, amount: 1 } });
      expect([url, res.statusCode]).toEqual([url, 403]);
      expect(res.json()).toMatchObject({ error: 'cross_origin_request' });
    }
  });

  it('the internal password grant does not exist unless ENABLE_PASSWORD_GRANT=true (404 like any unknown route)', async () => {
    for (const url of ['/auth/token', '/auth/refresh']) {
      const res = await inject(app)({ method: 'POST', url, payload: { username: 'a', password: 'b' } });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: `Cannot POST ${url}`,
        request_id: expect.any(String),
      });
    }
  });
});

describe('service-a BFF with the password grant enabled, Keycloak down, served over https', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await serviceA({
      KEYCLOAK_URL: `http://127.0.0.1:${await closedPort()}`,
      ENABLE_PASSWORD_GRANT: 'true',
      PUBLIC_URL: 'https://orders.example.test',
    });
  });

  afterAll(() => app.close());

  it('POST /auth/token answers 503 idp_unavailable when Keycloak cannot be reached, and echoes no password', async () => {
    const res = await inject(app)({
      method: 'POST',
      url: '/auth/token',
      payload: { username: 'alice', password: 'secret-password-123' },
    });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error: 'idp_unavailable' });
    expect(res.body).not.toContain('secret-password-123');
  });

  it('POST /auth/token names a missing field with 400', async () => {
    const res = await inject(app)({ method: 'POST', url: '/auth/token', payload: { username: 'alice' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_request', fields: ['password'] });
  });

  it('over https the session cookie is __Host- prefixed and Secure', async () => {
    const res = await inject(app)({ method: 'GET', url: '/auth/login' });
    expect(String(res.headers['set-cookie'])).toMatch(
      /^__Host-s2s_session=[\w-]{43}; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    );
    expect(new URL(res.headers.location as string).searchParams.get('redirect_uri')).toBe(
      'https://orders.example.test/auth/callback',
    );
  });
});

describe('the page', () => {
  it('escapes every value it shows: a hostile name or claim cannot inject markup', () => {
    const hostile = '<img src=x onerror=alert(1)>"\'&';
    const html = renderPage({
      user: { sub: hostile, username: hostile, name: hostile },
      result: {
        heading: hostile,
        chain: {
          service_b: hostile,
          service_c: { result: 20, msg: hostile },
          hops: [
            {
              service: hostile,
              sub: hostile,
              preferred_username: hostile,
              azp: hostile,
              aud: [hostile],
              scope: hostile,
              exp: 0,
            },
          ],
        },
      },
      error: { heading: hostile, message: hostile },
    });
    expect(html).not.toContain('<img');
    expect(html).toContain(escapeHtml(hostile));
    expect(escapeHtml(hostile)).toBe('&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;');
  });

  it("shows the hops as rows with their claims (each hop's aud and scope) and the expiry as a UTC time", () => {
    const html = renderPage({
      result: {
        heading: 'Called as alice',
        chain: {
          service_b: 'Order 1 processed by Service B',
          service_c: { result: 20, msg: 'ok' },
          hops: [
            {
              service: 'service-c',
              sub: 's-1',
              preferred_username: 'alice',
              azp: 'service-b',
              aud: ['service-c'],
              scope: 'analytics.run profile',
              exp: 1_800_000_000,
            },
          ],
        },
      },
    });
    expect(html).toContain('<tr data-hop="service-c">');
    expect(html).toContain('<td data-claim="azp">service-b</td>');
    expect(html).toContain('<td data-claim="aud">service-c</td>');
    expect(html).toContain('<td data-claim="scope">analytics.run profile</td>');
    expect(html).toContain('<td data-claim="exp">2027-01-15 08:00:00 UTC</td>');
  });
});

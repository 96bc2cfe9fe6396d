import { Controller, Get, INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { KeycloakAuthOptions } from '../config/keycloak-auth.options';
import { LocalIdp } from '../testing/local-idp';
import { ADAPTERS, AdapterName, listenOnLoopback, metadataOf } from '../../../../test/support/loopback-app';
import { startS2sIdp } from '../../../../test/support/s2s-idp';
import { Public } from './public.decorator';
import { RequireScopes } from './require-scopes.decorator';
import { KeycloakAuthModule } from './keycloak-auth.module';

// RFC 9728: the metadata route the module serves, and the `resource_metadata` of the challenges pointing at it.

@RequireScopes('inventory.read')
@Controller('inventory')
class InventoryController {
  @Get()
  list() {
    return [];
  }

  @RequireScopes('inventory.adjust')
  @Get('adjust')
  adjust() {
    return {};
  }
}

@Controller()
class OrdersController {
  @RequireScopes('orders.read', 'analytics.run')
  @Get('orders')
  orders() {
    return [];
  }

  @Get('me')
  me() {
    return {};
  }

  // A public route's scopes are not enforced: not announced either.
  @Public()
  @RequireScopes('never.enforced')
  @Get('open')
  open() {
    return {};
  }
}

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

async function startApp(
  idp: LocalIdp,
  adapter: AdapterName,
  options: Partial<KeycloakAuthOptions> = {},
): Promise<{ app: INestApplication; base: string }> {
  const moduleRef = await Test.createTestingModule({
    imports: [KeycloakAuthModule.forRoot(idp.moduleOptions(options))],
    controllers: [InventoryController, OrdersController],
  }).compile();
  const app = moduleRef.createNestApplication(
    adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(),
    { logger: false },
  );
  return { app, base: await listenOnLoopback(app) };
}

async function fetchJson(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    cache: res.headers.get('cache-control'),
    challenge: res.headers.get('www-authenticate'),
    body: (text ? JSON.parse(text) : undefined) as Record<string, unknown>,
  };
}

describe.each(ADAPTERS)('the Protected Resource Metadata route (%s)', (adapter) => {
  let idp: LocalIdp;
  let partners: LocalIdp;
  const apps: INestApplication[] = [];
  const start = async (options: Partial<KeycloakAuthOptions> = {}) => {
    const started = await startApp(idp, adapter, options);
    apps.push(started.app);
    return started.base;
  };

  beforeAll(async () => {
    [idp, partners] = await Promise.all([startS2sIdp(), startS2sIdp({ realm: 'partners' })]);
  });
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await Promise.all([idp.stop(), partners.stop()]);
  });

  it('answers without a token, as cacheable JSON: the request origin, the realms, the routes’ scopes', async () => {
    const base = await start({
      dpop: { policy: 'allowed' },
      additionalRealms: [{ realm: 'partners', url: partners.url }],
    });
    const res = await fetchJson(`${base}${WELL_KNOWN}`);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/json/);
    expect(res.cache).toBe('public, max-age=300');
    expect(res.body).toEqual({
      resource: base,
      authorization_servers: [idp.issuer, partners.issuer],
      bearer_methods_supported: ['header'],
      scopes_supported: ['analytics.run', 'inventory.adjust', 'inventory.read', 'orders.read'],
      dpop_signing_alg_values_supported: ['ES256', 'PS256', 'RS256', 'EdDSA'],
      dpop_bound_access_tokens_required: false,
    });
    expect(JSON.stringify(res.body)).not.toContain('b-secret');
    // …and every challenge points at it.
    const refused = await fetchJson(`${base}/me`);
    expect(refused.status).toBe(401);
    expect(refused.challenge).toBe(
      `Bearer realm="s2s", ${metadataOf(base)}, DPoP realm="s2s", algs="ES256 PS256 RS256 EdDSA", ${metadataOf(base)}`,
    );
  });

  it('requires bound tokens in the metadata when the module requires DPoP; DPoP challenges carry the parameter', async () => {
    const base = await start({ dpop: { policy: 'required' } });
    const res = await fetchJson(`${base}${WELL_KNOWN}`);
    expect(res.body).toMatchObject({ dpop_bound_access_tokens_required: true });
    const refused = await fetchJson(`${base}/me`, { authorization: `Bearer ${await idp.issue()}` });
    expect(refused).toMatchObject({ status: 401, body: { code: 'dpop_required' } });
    expect(refused.challenge).toMatch(
      new RegExp(`^DPoP realm="s2s", error="invalid_token", error_description="[^"]+", algs="[^"]+", `),
    );
    expect(refused.challenge?.endsWith(`, ${metadataOf(base)}`)).toBe(true);
  });

  it('names the metadata in the challenge of Basic credentials and of a 403 as well', async () => {
    const base = await start();
    const basic = await fetchJson(`${base}/me`, { authorization: 'Basic c2VydmljZS1hOnNlY3JldA==' });
    expect(basic).toMatchObject({ status: 401, challenge: `Bearer realm="s2s", ${metadataOf(base)}` });
    const lacking = await fetchJson(`${base}/orders`, {
      authorization: `Bearer ${await idp.issue({ scope: 'profile' })}`,
    });
    expect(lacking.status).toBe(403);
    expect(lacking.challenge).toMatch(/^Bearer realm="s2s", error="insufficient_scope", /);
    expect(lacking.challenge?.endsWith(`, ${metadataOf(base)}`)).toBe(true);
  });

  it('follows the Host header the request came with, and dpop.origin when set (behind a proxy)', async () => {
    const base = await start();
    const viaLocalhost = base.replace('127.0.0.1', 'localhost');
    expect((await fetchJson(`${viaLocalhost}${WELL_KNOWN}`)).body.resource).toBe(viaLocalhost);

    const proxied = await start({ dpop: { origin: 'https://orders.example.com' } });
    const res = await fetchJson(`${proxied}${WELL_KNOWN}`);
    expect(res.body.resource).toBe('https://orders.example.com');
    expect((await fetchJson(`${proxied}/me`)).challenge).toBe(
      'Bearer realm="s2s", resource_metadata="https://orders.example.com/.well-known/oauth-protected-resource"',
    );
  });

  it('serves a configured identifier with a path under that path only (RFC 9728 §3.1), with the option’s fields', async () => {
    const base = await start({
      resourceMetadata: {
        resource: 'https://api.example.com/tenants/acme/orders',
        scopes: ['orders.read'],
        resourceName: 'Orders of Acme',
        extra: { resource_documentation: 'https://docs.example.com/orders' },
      },
    });
    const res = await fetchJson(`${base}${WELL_KNOWN}/tenants/acme/orders`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      resource: 'https://api.example.com/tenants/acme/orders',
      authorization_servers: [idp.issuer],
      bearer_methods_supported: ['header'],
      scopes_supported: ['orders.read'],
      dpop_bound_access_tokens_required: false,
      resource_name: 'Orders of Acme',
      resource_documentation: 'https://docs.example.com/orders',
    });
    expect((await fetchJson(`${base}${WELL_KNOWN}`)).status).toBe(404);
    expect((await fetchJson(`${base}${WELL_KNOWN}/tenants/other/orders`)).status).toBe(404);
    expect((await fetchJson(`${base}/me`)).challenge).toBe(
      'Bearer realm="s2s", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/tenants/acme/orders"',
    );
  });

  it('is turned off with resourceMetadata: false: 404, and challenges without the parameter', async () => {
    const base = await start({ resourceMetadata: false });
    expect((await fetchJson(`${base}${WELL_KNOWN}`)).status).toBe(404);
    expect((await fetchJson(`${base}/me`)).challenge).toBe('Bearer realm="s2s"');
  });

  it('answers 404 for a Host header that names no origin, and leaves the parameter out of the challenge', async () => {
    const base = await start();
    const { port } = new URL(base);
    const { request } = await import('node:http');
    const answer = (path: string) =>
      new Promise<{ status: number; challenge?: string }>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path, headers: { host: 'evil"host' } }, (res) => {
          res.resume();
          const challenge = res.headers['www-authenticate'];
          resolve({ status: res.statusCode ?? 0, challenge });
        })
          .on('error', reject)
          .end();
      });
    expect(await answer(WELL_KNOWN)).toMatchObject({ status: 404 });
    expect(await answer('/me')).toEqual({ status: 401, challenge: 'Bearer realm="s2s"' });
  });
});

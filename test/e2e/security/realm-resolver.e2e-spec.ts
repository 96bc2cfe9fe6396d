import type KcAdminClient from '@keycloak/keycloak-admin-client';
import { Controller, Get, INestApplication, Logger } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { CurrentPrincipal, KeycloakAuthModule, type Principal } from 'nest-keycloak-s2s';
import {
  callsBetween,
  type CountingProxy,
  startCountingProxy,
  totalCalls,
} from '../../../bench/keycloak-proxy/counting-proxy';
import { listenOnLoopback } from '../../support/loopback-app';
import { adminClient, KEYCLOAK_URL, serviceToken, tokenUrl } from '../support/keycloak';

// The per-request realm (`realmResolver`) must only narrow the configured realms: a token of one tenant's realm
// sent to another tenant's host is refused with 401 before any call to Keycloak, and a resolver that names a realm
// outside the configuration refuses the request instead of trusting a new issuer. Real Keycloak realms: s2s and a
// throw-away tenant realm, reached through a counting proxy; the app verifies in jwt mode.

@Controller()
class TenantController {
  @Get('me')
  me(@CurrentPrincipal() caller: Principal) {
    return { issuer: caller.issuer, caller: caller.clientId };
  }
}

const tenant = `tenant-${Math.random().toString(36).slice(2, 8)}`;
const HOSTS: Record<string, string> = {
  's2s.example': 's2s',
  'tenant.example': tenant,
  'typo.example': `${tenant}-typo`, // a resolver mistake: no such configured realm
};
const tenantSecret = randomUUID();

let admin: KcAdminClient;
let keycloak: CountingProxy;
let app: INestApplication;
let base: string;
const logged: string[] = [];

/** A client-credentials token of the tenant realm's client, `aud` service-b. */
async function tenantToken(): Promise<string> {
  const res = await fetch(tokenUrl(tenant), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: 'tenant-caller',
      client_secret: tenantSecret,
    }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no tenant token (${res.status})`);
  return body.access_token;
}

beforeAll(async () => {
  admin = await adminClient();
  await admin.realms.create({
    realm: tenant,
    enabled: true,
    clients: [
      {
        clientId: 'tenant-caller',
        secret: tenantSecret,
        publicClient: false,
        serviceAccountsEnabled: true,
        standardFlowEnabled: false,
        protocolMappers: [
          {
            name: 'audience service-b',
            protocol: 'openid-connect',
            protocolMapper: 'oidc-audience-mapper',
            config: { 'included.custom.audience': 'service-b', 'access.token.claim': 'true' },
          },
        ],
      },
    ],
  });
  keycloak = await startCountingProxy(KEYCLOAK_URL);
  const moduleRef = await Test.createTestingModule({
    imports: [
      KeycloakAuthModule.forRoot({
        url: keycloak.url,
        realm: 's2s',
        issuer: `${KEYCLOAK_URL}/realms/s2s`, // tokens name the Keycloak the tests reach, not the proxy
        clientId: 'service-b',
        audience: 'service-b',
        mode: 'jwt',
        additionalRealms: [{ realm: tenant, issuer: `${KEYCLOAK_URL}/realms/${tenant}` }],
        realmResolver: (request) => {
          const host = request.headers['x-forwarded-host'];
          return typeof host === 'string' ? HOSTS[host] : undefined;
        },
      }),
    ],
    controllers: [TenantController],
  }).compile();
  app = moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
  base = await listenOnLoopback(app);
});

beforeEach(() => {
  logged.length = 0;
  vi.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => {
    logged.push(String(message));
  });
});
afterEach(() => vi.restoreAllMocks());

afterAll(async () => {
  await app?.close();
  await keycloak?.stop();
  await admin?.realms.del({ realm: tenant }).catch(() => undefined);
});

async function send(host: string, token: string) {
  const res = await fetch(`${base}/me`, {
    headers: { authorization: `Bearer ${token}`, 'x-forwarded-host': host },
  });
  return {
    status: res.status,
    challenge: res.headers.get('www-authenticate') ?? '',
    body: (await res.json()) as Record<string, unknown>,
  };
}

describe('per-request realm (realmResolver, security)', () => {
  it.each([
    ["an s2s token on the tenant's host", 'tenant.example', () => serviceToken('service-a')],
    ["a tenant token on s2s's host", 's2s.example', tenantToken],
    [
      'an s2s token where the resolver names an unconfigured realm',
      'typo.example',
      () => serviceToken('service-a'),
    ],
    ['a tenant token on a host no realm serves', 'unknown.example', tenantToken],
  ])('refuses %s with 401 invalid_token, nothing asked of Keycloak', async (_name, host, token) => {
    const bearer = await token();
    const before = keycloak.counts();
    const res = await send(host, bearer);
    expect(res.status).toBe(401);
    expect(res.challenge).toMatch(
      /^Bearer realm="s2s", error="invalid_token", error_description="[^"]+", resource_metadata="http:\/\/[^"]+\/\.well-known\/oauth-protected-resource"$/,
    );
    expect(res.body).toMatchObject({ error: 'invalid_token', code: 'token_issuer_invalid' });
    expect(res.body).not.toHaveProperty('caller');
    expect(totalCalls(callsBetween(before, keycloak.counts()))).toBe(0);
  });

  it('the unconfigured realm is logged as a configuration problem, without the token', async () => {
    const bearer = await serviceToken('service-a');
    await send('typo.example', bearer);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain(`realmResolver chose "${tenant}-typo", which is not a configured realm`);
    expect(logged[0]).not.toContain(bearer.split('.')[1]);
  });

  it("positive controls: each realm's token on its own host, verified with that realm's keys", async () => {
    expect(await send('s2s.example', await serviceToken('service-a'))).toMatchObject({
      status: 200,
      body: { issuer: `${KEYCLOAK_URL}/realms/s2s`, caller: 'service-a' },
    });
    expect(await send('tenant.example', await tenantToken())).toMatchObject({
      status: 200,
      body: { issuer: `${KEYCLOAK_URL}/realms/${tenant}`, caller: 'tenant-caller' },
    });
    expect(logged).toEqual([]);
  });
});

import { Controller, Get, INestApplication, Logger } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { KeycloakAuthOptions, RealmResolverRequest } from '../config/keycloak-auth.options';
import { resolveKeycloakAuthOptions } from '../config/resolve-options';
import { AuthMode } from '../core/auth-mode';
import { CurrentPrincipal } from './current-principal.decorator';
import { KeycloakAuthModule } from './keycloak-auth.module';
import { Principal } from '../core/principal';
import { Endpoint, LocalIdp } from '../testing/local-idp';
import { listenOnLoopback } from '../../../../test/support/loopback-app';

@Controller()
class TenantController {
  @Get('me')
  me(@CurrentPrincipal() principal: Principal) {
    return { issuer: principal.issuer };
  }
}

const ENDPOINTS: Endpoint[] = ['jwks', 'token', 'introspect'];
/** Every request a realm received, all endpoints together. */
const calls = (idp: LocalIdp) => ENDPOINTS.reduce((sum, e) => sum + idp.requests[e], 0);

/** The realm of a request by the first label of its Host header: tenant-a.example → `tenant-a`. */
function byHost(request: RealmResolverRequest): string | undefined {
  const host = request.headers['x-tenant-host'];
  if (host === 'broken.example') throw new Error('resolver bug');
  return typeof host === 'string' ? host.split('.')[0] : undefined;
}

describe.each<AuthMode>(['jwt', 'introspection'])(
  'realmResolver: one realm per request (%s mode)',
  (mode) => {
    let tenantA: LocalIdp;
    let tenantB: LocalIdp;
    let app: INestApplication;
    let base: string;
    let logged: string[];

    beforeAll(async () => {
      const claims = { aud: 'my-service' };
      tenantA = await LocalIdp.start({ realm: 'tenant-a', kid: 'a-key', claims });
      tenantB = await LocalIdp.start({ realm: 'tenant-b', kid: 'b-key', claims });
      for (const idp of [tenantA, tenantB])
        idp.introspectAnswer = async (form) => {
          const token = form.get('token') ?? '';
          return (await idp.signedHere(token))
            ? LocalIdp.activeAnswer(token)
            : { status: 200, body: { active: false } };
        };
      const options: KeycloakAuthOptions = {
        ...tenantA.moduleOptions({ mode, http: { timeoutMs: 1000 } }),
        additionalRealms: [{ realm: 'tenant-b', url: tenantB.url }],
        realmResolver: byHost,
      };
      const moduleRef = await Test.createTestingModule({
        imports: [KeycloakAuthModule.forRoot(options)],
        controllers: [TenantController],
      }).compile();
      app = moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
      base = await listenOnLoopback(app);
    });

    beforeEach(() => {
      logged = [];
      vi.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => {
        logged.push(String(message));
      });
    });
    afterEach(() => vi.restoreAllMocks());

    afterAll(async () => {
      await app.close();
      await Promise.all([tenantA.stop(), tenantB.stop()]);
    });

    async function get(host: string | undefined, token: string) {
      const headers: Record<string, string> = { authorization: `Bearer ${token}` };
      if (host) headers['x-tenant-host'] = host;
      const res = await fetch(`${base}/me`, { headers });
      return {
        status: res.status,
        challenge: res.headers.get('www-authenticate') ?? '',
        body: (await res.json()) as Record<string, unknown>,
      };
    }

    /** Sends the request and checks it is refused with 401 invalid_token without any call to either realm. */
    async function refusedUnsent(host: string | undefined, token: string, code: string) {
      const before = [calls(tenantA), calls(tenantB)];
      const res = await get(host, token);
      expect(res.status).toBe(401);
      expect(res.challenge).toMatch(/^Bearer /);
      expect(res.challenge).toContain('error="invalid_token"');
      expect(res.body).toMatchObject({ error: 'invalid_token', code });
      expect([calls(tenantA), calls(tenantB)]).toEqual(before);
      return res;
    }

    it("accepts each tenant's token on its own host", async () => {
      expect(await get('tenant-a.example', await tenantA.issue())).toMatchObject({
        status: 200,
        body: { issuer: tenantA.issuer },
      });
      expect(await get('tenant-b.example', await tenantB.issue())).toMatchObject({
        status: 200,
        body: { issuer: tenantB.issuer },
      });
      expect(logged).toEqual([]);
    });

    it("refuses tenant A's token on tenant B's host before any call to Keycloak", async () => {
      await refusedUnsent('tenant-b.example', await tenantA.issue(), 'token_issuer_invalid');
      expect(logged).toEqual([]);
    });

    it('a token verified (and cached) for one host is no pass on another', async () => {
      const token = await tenantA.issue();
      expect((await get('tenant-a.example', token)).status).toBe(200);
      await refusedUnsent('tenant-b.example', token, 'token_issuer_invalid');
    });

    it('a resolver naming a realm that is not configured refuses the request, logged as a configuration problem', async () => {
      const res = await refusedUnsent('tenant-c.example', await tenantA.issue(), 'token_issuer_invalid');
      expect(res.body.message).toBe('no realm accepts tokens for this request');
      expect(logged).toEqual([
        'realmResolver chose "tenant-c", which is not a configured realm (tenant-a, tenant-b): request refused; a configuration problem',
      ]);
    });

    it('no realm for the request (undefined) refuses it; a resolver that throws too, logged', async () => {
      await refusedUnsent(undefined, await tenantA.issue(), 'token_issuer_invalid');
      expect(logged).toEqual([]);
      await refusedUnsent('broken.example', await tenantA.issue(), 'token_issuer_invalid');
      expect(logged).toEqual(['realmResolver threw (Error): request refused; a configuration problem']);
    });

    it('a token signed by a configured realm but naming another realm as iss never reaches that realm', async () => {
      const forged = await tenantA.issue({ iss: tenantB.issuer }, { key: tenantA.signingKey });
      const before = calls(tenantA);
      const res = await get('tenant-a.example', forged);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ code: 'token_issuer_invalid' });
      expect(calls(tenantA)).toBe(before);
    });
  },
);

describe('realmResolver option', () => {
  it('must be a function', () => {
    const base = { url: 'http://kc', realm: 'r', clientId: 'c', mode: 'jwt', audience: 'c' } as const;
    expect(() =>
      resolveKeycloakAuthOptions({ ...base, realmResolver: 'tenant-a' as unknown as () => string }),
    ).toThrow('realmResolver: must be a function (request) => realm name');
    expect(resolveKeycloakAuthOptions({ ...base, realmResolver: byHost }).realmResolver).toBe(byHost);
  });
});

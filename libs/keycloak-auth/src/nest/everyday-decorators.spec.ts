import { Controller, Get, INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AccessToken } from './access-token.decorator';
import { CurrentPrincipal } from './current-principal.decorator';
import { Principal } from '../core/principal';
import { Public } from './public.decorator';
import { Roles } from './roles.decorator';
import { Dpop } from './dpop.decorator';
import { TOKEN_VERIFIER } from '../core/constants';
import { InvalidTokenError } from '../core/errors';
import { TokenVerifier } from '../verification/token-verifier';
import { KeycloakAuthModule } from './keycloak-auth.module';
import { LocalIdp } from '../testing/local-idp';
import {
  ADAPTERS,
  AdapterName,
  get,
  listenOnLoopback,
  metadataOf,
} from '../../../../test/support/loopback-app';
import { startS2sIdp } from '../../../../test/support/s2s-idp';

@Controller()
class RolesController {
  @Roles('orders-user', 'service-b:admin', { match: 'all' })
  @Get('both')
  both() {
    return { ok: true };
  }

  @Roles('orders-user', 'service-b:admin', { match: 'any' })
  @Get('either')
  either() {
    return { ok: true };
  }

  @Get('token')
  token(@AccessToken() token: string) {
    return { token };
  }

  @Public({ authentication: 'optional' })
  @Get('optional')
  optional(@CurrentPrincipal() caller: Principal | undefined, @AccessToken() token: string | undefined) {
    return { subject: caller?.subject ?? null, hasToken: token !== undefined };
  }

  @Public()
  @Get('public-token')
  publicToken(@AccessToken() token: string | undefined) {
    return { token: token ?? null };
  }
}

async function startApp(idp: LocalIdp, adapter: AdapterName) {
  const moduleRef = await Test.createTestingModule({
    imports: [KeycloakAuthModule.forRoot(idp.moduleOptions({ http: { timeoutMs: 1000 } }))],
    controllers: [RolesController],
  }).compile();
  const app: INestApplication = moduleRef.createNestApplication(
    adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(),
  );
  return { app, base: await listenOnLoopback(app) };
}

describe('@Public with { authentication }', () => {
  it('refuses a value other than none or optional when the route is declared', () => {
    expect(() => Public({ authentication: 'maybe' as 'optional' })).toThrow(/must be 'none' or 'optional'/);
  });
});

describe('@Roles with { match }', () => {
  it('refuses a match other than any or all when the route is declared', () => {
    expect(() => Roles('a', { match: 'some' as 'all' })).toThrow(/match must be 'any' or 'all'/);
  });
});

describe.each(ADAPTERS)(
  '@Public optional authentication, @Roles all-of and @AccessToken over HTTP (%s)',
  (adapter) => {
    let idp: LocalIdp;
    let app: INestApplication;
    let base: string;
    beforeAll(async () => {
      idp = await startS2sIdp();
      ({ app, base } = await startApp(idp, adapter));
    });
    afterAll(async () => {
      await app.close();
      await idp.stop();
    });
    const bearer = async (claims: Record<string, unknown> = {}) => `Bearer ${await idp.issue(claims)}`;
    const both = {
      realm_access: { roles: ['orders-user'] },
      resource_access: { 'service-b': { roles: ['admin'] } },
    };

    it('lets a token with all of the roles through { match: "all" }', async () => {
      expect((await get(base, '/both', await bearer(both))).status).toBe(200);
    });

    it.each([
      ['the realm role only', { ...both, resource_access: {} }, 'requires role service-b:admin'],
      ['the client role only', { ...both, realm_access: { roles: [] } }, 'requires role orders-user'],
    ])(
      'refuses a token with %s under { match: "all" }, naming what it lacks',
      async (_n, claims, message) => {
        const res = await get(base, '/both', await bearer(claims));
        expect(res.status).toBe(403);
        expect(res.challenge).toMatch(/^Bearer realm="s2s", error="insufficient_scope"/);
        expect(res.body).toMatchObject({ code: 'insufficient_role', message });
      },
    );

    it('lets a token with one of the roles through { match: "any" }', async () => {
      expect((await get(base, '/either', await bearer({ ...both, resource_access: {} }))).status).toBe(200);
    });

    it('injects the verified token with @AccessToken(), on the first request and from the cache alike', async () => {
      const authorization = await bearer();
      const token = authorization.slice('Bearer '.length);
      expect((await get(base, '/token', authorization)).body).toEqual({ token });
      expect((await get(base, '/token', authorization)).body).toEqual({ token });
    });

    it('injects undefined on a public route', async () => {
      expect((await get(base, '/public-token')).body).toEqual({ token: null });
    });

    describe("@Public({ authentication: 'optional' })", () => {
      it('answers a request without a token with no principal and no challenge', async () => {
        expect(await get(base, '/optional')).toEqual({
          status: 200,
          challenge: null,
          body: { subject: null, hasToken: false },
        });
      });

      it('hands a valid token its principal and the token, on the first request and from the cache', async () => {
        const authorization = await bearer();
        for (let i = 0; i < 2; i++)
          expect(await get(base, '/optional', authorization)).toMatchObject({
            status: 200,
            body: { subject: idp.defaultPrincipal().subject, hasToken: true },
          });
      });

      it.each([
        ['a changed signature', async () => tampered(await idp.issue())],
        ['an expired token', () => idp.issue({ exp: Math.floor(Date.now() / 1000) - 600 })],
        ['another audience', () => idp.issue({ aud: 'someone-else' })],
        ['a malformed credential', async () => 'not a token'],
      ])('refuses %s with 401 invalid_token, never as anonymous', async (_name, make) => {
        const res = await get(base, '/optional', `Bearer ${await make()}`);
        expect(res.status).toBe(401);
        expect(res.challenge).toMatch(/^Bearer realm="s2s", error="invalid_token"/);
        expect(res.body).not.toHaveProperty('subject');
      });
    });
  },
);

/** `token` with one character of its signature changed. */
function tampered(token: string): string {
  const i = token.lastIndexOf('.') + 10;
  return token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
}

describe('the DPoP challenge of a module that never configured DPoP', () => {
  @Controller()
  class DpopProbeController {
    @Get('plain')
    plain() {
      return { ok: true };
    }

    @Dpop('allowed')
    @Get('dpop-allowed')
    dpopAllowed() {
      return { ok: true };
    }
  }

  let idp: LocalIdp;
  let app: INestApplication;
  let base: string;
  beforeAll(async () => {
    idp = await startS2sIdp();
    const moduleRef = await Test.createTestingModule({
      imports: [KeycloakAuthModule.forRoot(idp.moduleOptions())],
      controllers: [DpopProbeController],
    }).compile();
    app = moduleRef.createNestApplication(new FastifyAdapter());
    base = await listenOnLoopback(app);
  });
  afterAll(async () => {
    await app.close();
    await idp.stop();
  });

  it('offers only the Bearer scheme: the module takes no DPoP-bound token', async () => {
    expect(await get(base, '/plain')).toMatchObject({
      status: 401,
      challenge: `Bearer realm="s2s", ${metadataOf(base)}`,
    });
  });

  it('offers DPoP on a route that takes it (@Dpop)', async () => {
    expect((await get(base, '/dpop-allowed')).challenge).toMatch(
      /^Bearer realm="s2s", resource_metadata="[^"]+", DPoP realm="s2s", algs="[^"]+", resource_metadata="[^"]+"$/,
    );
  });
});

describe('TOKEN_VERIFIER outside a guard', () => {
  let idp: LocalIdp;
  let verifier: TokenVerifier;
  beforeAll(async () => {
    idp = await startS2sIdp();
    const moduleRef = await Test.createTestingModule({
      imports: [KeycloakAuthModule.forRoot(idp.moduleOptions())],
    }).compile();
    verifier = moduleRef.get<TokenVerifier>(TOKEN_VERIFIER);
  });
  afterAll(() => idp.stop());

  it('verifies a token string into its principal', async () => {
    expect(await verifier.verify(await idp.issue())).toMatchObject(idp.defaultPrincipal());
  });

  it('refuses an expired token with a typed InvalidTokenError', async () => {
    const refusal = await verifier
      .verify(await idp.issue({ exp: Math.floor(Date.now() / 1000) - 600 }))
      .catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(InvalidTokenError);
    expect(refusal).toMatchObject({ code: 'token_expired' });
  });
});

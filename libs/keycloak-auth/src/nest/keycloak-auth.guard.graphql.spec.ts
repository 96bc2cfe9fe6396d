import { Controller, Get, INestApplication } from '@nestjs/common';
import { Field, GraphQLModule, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { MercuriusDriver, MercuriusDriverConfig } from '@nestjs/mercurius';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AllowedCallers } from './allowed-callers.decorator';
import { CurrentPrincipal } from './current-principal.decorator';
import { Public } from './public.decorator';
import { RequireScopes } from './require-scopes.decorator';
import { Roles } from './roles.decorator';
import { ExchangedToken, ExchangeToken } from './exchange-token.decorator';
import { KeycloakAuthModule } from './keycloak-auth.module';
import { Principal } from '../core/principal';
import { LocalIdp } from '../testing/local-idp';
import { listenOnLoopback, metadataOf } from '../../../../test/support/loopback-app';
import { startS2sIdp } from '../../../../test/support/s2s-idp';

@ObjectType()
class Caller {
  @Field()
  subject!: string;

  @Field()
  clientId!: string;

  @Field(() => [String])
  scopes!: string[];
}

@Resolver()
class ProbeResolver {
  @Public()
  @Query(() => String)
  open() {
    return 'open';
  }

  @Query(() => Caller)
  me(@CurrentPrincipal() principal: Principal): Caller {
    return { subject: principal.subject, clientId: principal.clientId, scopes: [...principal.scopes] };
  }

  @RequireScopes('orders.read', 'analytics.run')
  @Query(() => String)
  analytics() {
    return 'analytics';
  }

  @Roles('orders-user')
  @Query(() => String)
  ordersUser() {
    return 'orders-user';
  }

  @AllowedCallers('service-b')
  @Query(() => String)
  onlyB() {
    return 'only-b';
  }

  @ExchangeToken({ audience: 'service-c' })
  @Query(() => String)
  exchanged(@ExchangedToken() token: string) {
    return token;
  }
}

@Controller()
class RestController {
  @Get('rest/me')
  me(@CurrentPrincipal() principal: Principal) {
    return { subject: principal.subject };
  }
}

interface GraphQlAnswer {
  status: number;
  challenge: string | null;
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

describe('KeycloakAuthGuard on GraphQL resolvers (@nestjs/mercurius on Fastify)', () => {
  let idp: LocalIdp;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    idp = await startS2sIdp();
    idp.tokenAnswer = {
      status: 200,
      body: { access_token: 'token-for-c', token_type: 'Bearer', expires_in: 300 },
    };
    const moduleRef = await Test.createTestingModule({
      imports: [
        KeycloakAuthModule.forRoot(
          idp.moduleOptions({ http: { timeoutMs: 1000 }, dpop: { policy: 'allowed' } }),
        ),
        GraphQLModule.forRoot<MercuriusDriverConfig>({
          driver: MercuriusDriver,
          autoSchemaFile: true,
          graphiql: false,
        }),
      ],
      providers: [ProbeResolver],
      controllers: [RestController],
    }).compile();
    app = moduleRef.createNestApplication(new FastifyAdapter());
    base = await listenOnLoopback(app);
  });
  afterAll(async () => {
    await app.close();
    await idp.stop();
  });

  const query = async (source: string, token?: string): Promise<GraphQlAnswer> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query: source }),
    });
    const body = (await res.json()) as Omit<GraphQlAnswer, 'status' | 'challenge'>;
    return { status: res.status, challenge: res.headers.get('www-authenticate'), ...body };
  };

  it('answers a @Public() resolver without a token, with no challenge', async () => {
    expect(await query('{ open }')).toEqual({ status: 200, challenge: null, data: { open: 'open' } });
  });

  it('hands the verified principal to the resolver through @CurrentPrincipal()', async () => {
    const res = await query('{ me { subject clientId scopes } }', await idp.issue());
    expect(res).toEqual({
      status: 200,
      challenge: null,
      data: { me: { subject: 'user-1', clientId: 'service-a', scopes: ['orders.read', 'profile'] } },
    });
  });

  const tokenOf = async (kind: string) => {
    const now = Math.floor(Date.now() / 1000);
    if (kind === 'expired') return idp.issue({ iat: now - 600, exp: now - 60 });
    if (kind === 'foreign') return idp.issue({ aud: 'service-c' });
    return undefined;
  };

  it.each([
    ['an expired token', 'expired', 'token_expired', 'token expired'],
    [
      'a token for another service',
      'foreign',
      'token_audience_invalid',
      'token audience does not include this service',
    ],
  ])(
    'refuses %s: invalid_token challenge on the HTTP response, code in the GraphQL error',
    async (_n, kind, code, why) => {
      const res = await query('{ me { subject } }', await tokenOf(kind));
      // GraphQL over HTTP (mercurius) answers 200 with `errors`; the challenge rides on that HTTP response.
      expect(res.status).toBe(200);
      expect(res.challenge).toBe(
        `Bearer realm="s2s", error="invalid_token", error_description="${why}", ${metadataOf(base)}`,
      );
      expect(res.data).toBeNull();
      expect(res.errors).toEqual([
        expect.objectContaining({
          message: why,
          path: ['me'],
          extensions: { code, statusCode: 401, error: 'invalid_token' },
        }),
      ]);
    },
  );

  it('refuses a request without a token: challenges without an error code (RFC 6750 §3.1), code in the GraphQL error', async () => {
    const res = await query('{ me { subject } }', await tokenOf('none'));
    expect(res.status).toBe(200);
    expect(res.challenge).toBe(
      `Bearer realm="s2s", ${metadataOf(base)}, DPoP realm="s2s", algs="ES256 PS256 RS256 EdDSA", ${metadataOf(base)}`,
    );
    expect(res.errors?.[0]).toMatchObject({
      message: 'access token missing',
      extensions: { code: 'token_missing', statusCode: 401, error: 'invalid_token' },
    });
  });

  it('refuses a token without the scopes with an insufficient_scope challenge naming them', async () => {
    const res = await query('{ analytics }', await idp.issue());
    expect(res.challenge).toBe(
      'Bearer realm="s2s", error="insufficient_scope", error_description="token lacks scope analytics.run", ' +
        `scope="orders.read analytics.run", ${metadataOf(base)}`,
    );
    expect(res.data).toBeNull();
    expect(res.errors?.[0]).toMatchObject({
      message: 'token lacks scope analytics.run',
      extensions: { code: 'insufficient_scope', statusCode: 403, error: 'insufficient_scope' },
    });
  });

  it('enforces @Roles() and @AllowedCallers() on resolvers', async () => {
    expect((await query('{ ordersUser }', await idp.issue())).data).toEqual({ ordersUser: 'orders-user' });
    const noRole = await query('{ ordersUser }', await idp.issue({ realm_access: { roles: [] } }));
    expect(noRole.challenge).toMatch(/^Bearer realm="s2s", error="insufficient_scope", /);
    expect(noRole.data).toBeNull();
    expect(noRole.errors?.[0].extensions).toMatchObject({ code: 'insufficient_role' });
    const notB = await query('{ onlyB }', await idp.issue({ azp: 'service-a' }));
    expect(notB.errors?.[0]).toMatchObject({
      message: 'caller service-a is not allowed here',
      extensions: { code: 'caller_not_allowed', statusCode: 403 },
    });
    expect((await query('{ onlyB }', await idp.issue({ azp: 'service-b' }))).data).toEqual({
      onlyB: 'only-b',
    });
  });

  it('exchanges the incoming token for a resolver marked @ExchangeToken()', async () => {
    const token = await idp.issue();
    expect((await query('{ exchanged }', token)).data).toEqual({ exchanged: 'token-for-c' });
    expect(idp.forms.token.at(-1)?.get('subject_token')).toBe(token);
  });

  it('still guards the REST routes of the same app', async () => {
    const res = await fetch(`${base}/rest/me`, { headers: { authorization: `Bearer ${await idp.issue()}` } });
    expect(res.status).toBe(200);
    expect((await fetch(`${base}/rest/me`)).status).toBe(401);
  });
});

import { Controller, Get, INestApplication, UseInterceptors } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AllowedCallers } from '../decorators/allowed-callers.decorator';
import { CurrentPrincipal } from '../decorators/current-principal.decorator';
import { Public } from '../decorators/public.decorator';
import { RequireScopes } from '../decorators/require-scopes.decorator';
import { Roles } from '../decorators/roles.decorator';
import { ExchangedToken, ExchangeToken } from '../exchange/exchange-token.decorator';
import { TokenExchangeInterceptor } from '../exchange/token-exchange.interceptor';
import { KeycloakAuthModule } from '../keycloak-auth.module';
import { Principal } from '../principal';
import { LocalIdp } from '../../test/local-idp';

@Controller()
class ProbeController {
  @Public()
  @Get('open')
  open() {
    return { open: true };
  }

  @Get('me')
  me(@CurrentPrincipal() principal: Principal) {
    return { sub: principal.subject, azp: principal.clientId };
  }

  @RequireScopes('orders.read')
  @Get('orders')
  orders() {
    return { ok: true };
  }

  @RequireScopes('orders.read', 'analytics.run')
  @Get('analytics')
  analytics() {
    return { ok: true };
  }

  @Roles('orders-user')
  @Get('realm-role')
  realmRole() {
    return { ok: true };
  }

  @Roles('service-b:auditor')
  @Get('client-role')
  clientRole() {
    return { ok: true };
  }

  @ExchangeToken({ audience: 'service-c', scope: 'analytics.run' })
  @UseInterceptors(TokenExchangeInterceptor)
  @Get('exchange')
  exchange(@ExchangedToken() token: string) {
    return { token };
  }

  @AllowedCallers('service-b')
  @Get('only-b')
  onlyB() {
    return { ok: true };
  }
}

describe('KeycloakAuthGuard over HTTP (Fastify)', () => {
  let idp: LocalIdp;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    idp = await LocalIdp.start();
    const moduleRef = await Test.createTestingModule({
      imports: [
        KeycloakAuthModule.forRoot({
          url: idp.url,
          realm: 's2s',
          clientId: 'service-b',
          clientSecret: 'b-secret',
          mode: 'jwt',
          audience: 'service-b',
        }),
      ],
      controllers: [ProbeController],
    }).compile();
    app = moduleRef.createNestApplication(new FastifyAdapter());
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app.close();
    await idp.stop();
  });

  const get = async (path: string, authorization?: string) => {
    const res = await fetch(`${base}${path}`, { headers: authorization ? { authorization } : {} });
    const body = (await res.json()) as Record<string, unknown>;
    return { status: res.status, challenge: res.headers.get('www-authenticate'), body };
  };
  const bearer = async (overrides: Record<string, unknown> = {}) =>
    `Bearer ${await idp.sign(idp.claims(Date.now(), overrides))}`;

  it('lets a public route through without a token', async () => {
    expect(await get('/open')).toMatchObject({ status: 200, body: { open: true } });
  });

  it('hands the verified principal to the handler', async () => {
    expect(await get('/me', await bearer())).toMatchObject({
      status: 200,
      body: { sub: 'user-1', azp: 'service-a' },
    });
  });

  it.each([
    ['no Authorization header', undefined],
    ['another scheme', 'Basic c2VydmljZS1hOnNlY3JldA=='],
    ['an empty bearer token', 'Bearer '],
    ['a token that is not a JWT', 'Bearer abc'],
  ])('answers %s with 401 invalid_token and an RFC 6750 challenge', async (_name, authorization) => {
    const res = await get('/me', authorization);
    expect(res.status).toBe(401);
    expect(res.challenge).toMatch(/^Bearer realm="s2s", error="invalid_token", error_description="[^"]+"$/);
    expect(res.body).toMatchObject({ statusCode: 401, error: 'invalid_token' });
    expect(typeof res.body.code).toBe('string');
  });

  it('answers an expired token with 401 naming the reason', async () => {
    const now = Math.floor(Date.now() / 1000);
    const res = await get('/me', await bearer({ iat: now - 600, exp: now - 60 }));
    expect(res.status).toBe(401);
    expect(res.challenge).toContain('error_description="token expired"');
    expect(res.body.code).toBe('token_expired');
  });

  it('answers a missing scope with 403 insufficient_scope naming the required scopes', async () => {
    const res = await get('/orders', await bearer({ scope: 'profile' }));
    expect(res.status).toBe(403);
    expect(res.challenge).toMatch(/^Bearer realm="s2s", error="insufficient_scope", .*scope="orders.read"$/);
    expect(res.body).toMatchObject({
      statusCode: 403,
      error: 'insufficient_scope',
      code: 'insufficient_scope',
    });
    const both = await get('/analytics', await bearer());
    expect(both.status).toBe(403);
    expect(both.challenge).toContain('scope="orders.read analytics.run"');
  });

  it('lets a token with the scope through', async () => {
    expect((await get('/orders', await bearer())).status).toBe(200);
  });

  it('checks realm roles', async () => {
    expect((await get('/realm-role', await bearer())).status).toBe(200);
    const res = await get('/realm-role', await bearer({ realm_access: { roles: [] } }));
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('insufficient_role');
  });

  it('checks client roles', async () => {
    expect((await get('/client-role', await bearer())).status).toBe(403);
    const withRole = await bearer({ resource_access: { 'service-b': { roles: ['auditor'] } } });
    expect((await get('/client-role', withRole)).status).toBe(200);
  });

  it('lets only the allowed caller (azp) through', async () => {
    const res = await get('/only-b', await bearer());
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('caller_not_allowed');
    expect((await get('/only-b', await bearer({ azp: 'service-b' }))).status).toBe(200);
  });

  it('exchanges the verified incoming token for the handler (RFC 8693), once per token', async () => {
    idp.tokenAnswer = { status: 200, body: { access_token: 'token-for-c', expires_in: 300 } };
    const authorization = await bearer();
    expect(await get('/exchange', authorization)).toMatchObject({
      status: 200,
      body: { token: 'token-for-c' },
    });
    expect(idp.forms.token.at(-1)?.get('subject_token')).toBe(authorization.slice('Bearer '.length));
    await get('/exchange', authorization);
    expect(idp.requests.token).toBe(1);
  });

  it('answers 403 when Keycloak denies the exchange', async () => {
    idp.tokenAnswer = {
      status: 403,
      body: { error: 'access_denied', error_description: 'Client not allowed to exchange' },
    };
    const res = await get('/exchange', await bearer());
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('exchange_denied');
  });
});

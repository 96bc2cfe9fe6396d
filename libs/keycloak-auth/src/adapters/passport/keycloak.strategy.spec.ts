import { Controller, Get, INestApplication, Req, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { CurrentPrincipal } from '../../nest/current-principal.decorator';
import { Public } from '../../nest/public.decorator';
import { RequireScopes } from '../../nest/require-scopes.decorator';
import { Roles } from '../../nest/roles.decorator';
import { KeycloakAuthModule } from '../../nest/keycloak-auth.module';
import { Principal } from '../../core/principal';
import { LocalIdp } from '../../testing/local-idp';
import { ADAPTERS, get, listenOnLoopback } from '../../../../../test/support/loopback-app';
import { KeycloakPassportGuard } from './keycloak-passport.guard';
import { KeycloakPassportModule } from './keycloak-passport.module';
import { startS2sIdp } from '../../../../../test/support/s2s-idp';

// Both adapters: a passport strategy is handed the request only, and the two differ in what it links to.

@Controller('passport')
class PassportController {
  @UseGuards(AuthGuard('keycloak'))
  @Get('me')
  me(@CurrentPrincipal() principal: Principal, @Req() request: { user?: Principal }) {
    return { subject: principal.subject, sameAsUser: request.user === principal };
  }

  // AuthGuard('keycloak') alone: the strategy never sees the route, so this scope is not checked.
  @UseGuards(AuthGuard('keycloak'))
  @RequireScopes('analytics.run')
  @Get('unchecked-scope')
  uncheckedScope() {
    return { ok: true };
  }
}

@UseGuards(KeycloakPassportGuard)
@Controller('guarded')
class GuardedController {
  @Get('me')
  me(@CurrentPrincipal() principal: Principal) {
    return { subject: principal.subject, clientId: principal.clientId };
  }

  @RequireScopes('analytics.run')
  @Get('analytics')
  analytics() {
    return { ok: true };
  }

  @Roles('orders-admin')
  @Get('admin')
  admin() {
    return { ok: true };
  }

  @Public()
  @Get('open')
  open() {
    return { open: true };
  }
}

describe.each(ADAPTERS)('KeycloakStrategy and KeycloakPassportGuard over HTTP (%s)', (adapter) => {
  let idp: LocalIdp;
  let app: INestApplication;
  let base: string;
  const bearer = async (claims: Record<string, unknown> = {}) => `Bearer ${await idp.issue(claims)}`;

  beforeAll(async () => {
    idp = await startS2sIdp();
    const moduleRef = await Test.createTestingModule({
      imports: [
        KeycloakAuthModule.forRoot({ ...idp.moduleOptions({ globalGuard: false }), isGlobal: true }),
        KeycloakPassportModule,
      ],
      controllers: [PassportController, GuardedController],
    }).compile();
    app = moduleRef.createNestApplication(
      adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(),
    );
    base = await listenOnLoopback(app);
  });
  afterAll(async () => {
    await app.close();
    await idp.stop();
  });

  it("AuthGuard('keycloak') accepts a good token and leaves one principal as request.user and @CurrentPrincipal()", async () => {
    const res = await get(base, '/passport/me', await bearer());
    expect(res).toMatchObject({ status: 200, body: { subject: 'user-1', sameAsUser: true } });
  });

  it("AuthGuard('keycloak') refuses a forged token with the library's 401 body", async () => {
    const forged = await idp.issue({}, { key: await LocalIdp.newKey('key-1') });
    const res = await get(base, '/passport/me', `Bearer ${forged}`);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'invalid_token', code: 'token_signature_invalid' });
    // Express' request links its response, so the strategy sets the challenge; Fastify's links none.
    if (adapter === 'express') expect(res.challenge).toMatch(/^Bearer realm="s2s", error="invalid_token"/);
    else expect(res.challenge).toBeNull();
  });

  it("AuthGuard('keycloak') refuses a request without a token (token_missing)", async () => {
    const res = await get(base, '/passport/me');
    expect(res).toMatchObject({ status: 401, body: { code: 'token_missing' } });
  });

  it("AuthGuard('keycloak') alone does not enforce @RequireScopes", async () => {
    expect((await get(base, '/passport/unchecked-scope', await bearer())).status).toBe(200);
  });

  it('KeycloakPassportGuard accepts a good token and gives the handler the principal', async () => {
    const res = await get(base, '/guarded/me', await bearer());
    expect(res).toMatchObject({ status: 200, body: { subject: 'user-1', clientId: 'service-a' } });
  });

  it('KeycloakPassportGuard answers an expired token 401 with the RFC 6750 challenge', async () => {
    const expired = await idp.issue({}, { now: Date.now() - 3_600_000 });
    const res = await get(base, '/guarded/me', `Bearer ${expired}`);
    expect(res).toMatchObject({ status: 401, body: { code: 'token_expired' } });
    expect(res.challenge).toMatch(/^Bearer realm="s2s", error="invalid_token", error_description="/);
  });

  it('KeycloakPassportGuard answers a missing scope 403 insufficient_scope naming the scope', async () => {
    const res = await get(base, '/guarded/analytics', await bearer());
    expect(res).toMatchObject({ status: 403, body: { code: 'insufficient_scope' } });
    expect(res.challenge).toMatch(
      /error="insufficient_scope".*scope="analytics.run", resource_metadata="[^"]+"$/,
    );
  });

  it('KeycloakPassportGuard accepts a token carrying the required scope', async () => {
    const res = await get(base, '/guarded/analytics', await bearer({ scope: 'analytics.run' }));
    expect(res.status).toBe(200);
  });

  it('KeycloakPassportGuard enforces @Roles (403 insufficient_role)', async () => {
    const res = await get(base, '/guarded/admin', await bearer());
    expect(res).toMatchObject({ status: 403, body: { code: 'insufficient_role' } });
    expect(res.challenge).toMatch(/error="insufficient_scope"/);
  });

  it('KeycloakPassportGuard lets a @Public() route through without a token', async () => {
    expect(await get(base, '/guarded/open')).toMatchObject({ status: 200, body: { open: true } });
  });
});

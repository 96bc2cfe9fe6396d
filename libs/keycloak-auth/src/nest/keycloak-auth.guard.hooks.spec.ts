import {
  Controller,
  ExecutionContext,
  ForbiddenException,
  Get,
  INestApplication,
  Injectable,
  Module,
  UseGuards,
} from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { get, listenOnLoopback } from '../../../../test/support/loopback-app';
import { CurrentPrincipal } from './current-principal.decorator';
import { RequireScopes } from './require-scopes.decorator';
import { KeycloakAuthModule } from './keycloak-auth.module';
import { Principal } from '../core/principal';
import { LocalIdp } from '../testing/local-idp';
import { KeycloakAuthGuard } from './keycloak-auth.guard';
import { startS2sIdp } from '../../../../test/support/s2s-idp';

/** A guard of one's own: the library's checks, then a tenant claim. No constructor: the parent's are properties. */
@Injectable()
class TenantGuard extends KeycloakAuthGuard {
  protected override handleRequest(
    error: unknown,
    principal: Principal | undefined,
    context: ExecutionContext,
  ) {
    const caller = super.handleRequest(error, principal, context);
    if (caller.claims.tenant !== 'acme') throw new ForbiddenException('another tenant');
    return caller;
  }
}

const anonymous = { subject: 'anonymous', scopes: [], claims: {} } as unknown as Principal;

/** Lets a request without a valid token through as an anonymous caller. */
@Injectable()
class OptionalAuthGuard extends KeycloakAuthGuard {
  protected override handleRequest(error: unknown, principal: Principal | undefined) {
    return error === undefined && principal ? principal : anonymous;
  }
}

@Controller()
class HooksController {
  @UseGuards(KeycloakAuthGuard)
  @Get('plain')
  plain(@CurrentPrincipal() caller: Principal) {
    return { subject: caller.subject };
  }

  @UseGuards(TenantGuard)
  @RequireScopes('analytics.run')
  @Get('tenant')
  tenant(@CurrentPrincipal() caller: Principal) {
    return { subject: caller.subject };
  }

  @UseGuards(OptionalAuthGuard)
  @Get('optional')
  optional(@CurrentPrincipal() caller: Principal) {
    return { subject: caller.subject };
  }
}

/** The routes live in a module of their own: the guards are built there, from what KeycloakAuthModule exports. */
@Module({ controllers: [HooksController], providers: [TenantGuard, OptionalAuthGuard] })
class FeatureModule {}

describe('KeycloakAuthGuard on routes of your choice, extended through its hooks', () => {
  let idp: LocalIdp;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    idp = await startS2sIdp();
    const moduleRef = await Test.createTestingModule({
      imports: [
        KeycloakAuthModule.forRoot({ ...idp.moduleOptions({ globalGuard: false }), isGlobal: true }),
        FeatureModule,
      ],
    }).compile();
    app = moduleRef.createNestApplication(new FastifyAdapter());
    base = await listenOnLoopback(app);
  });

  afterAll(async () => {
    await app.close();
    await idp.stop();
  });

  it('@UseGuards(KeycloakAuthGuard) in another module guards the route and gives the handler the principal', async () => {
    expect(await get(base, '/plain', `Bearer ${await idp.issue()}`)).toMatchObject({
      status: 200,
      body: { subject: 'user-1' },
    });
    const missing = await get(base, '/plain');
    expect(missing).toMatchObject({ status: 401, body: { code: 'token_missing' } });
    expect(missing.challenge).toMatch(/^Bearer realm="s2s"/);
  });

  it('a subclass overriding handleRequest adds its own refusal after the library accepted the token', async () => {
    const token = (claims: Record<string, unknown>) => idp.issue({ scope: 'analytics.run', ...claims });
    expect(await get(base, '/tenant', `Bearer ${await token({ tenant: 'acme' })}`)).toMatchObject({
      status: 200,
    });
    expect((await get(base, '/tenant', `Bearer ${await token({ tenant: 'other' })}`)).status).toBe(403);
  });

  it("a subclass's handleRequest still gets the library's refusal first, with its challenge", async () => {
    const res = await get(base, '/tenant', `Bearer ${await idp.issue({ tenant: 'acme' })}`);
    expect(res).toMatchObject({ status: 403, body: { code: 'insufficient_scope' } });
    expect(res.challenge).toMatch(/error="insufficient_scope"/);
  });

  it('a subclass may turn a refusal into a principal of its own (optional authentication)', async () => {
    expect(await get(base, '/optional')).toMatchObject({ status: 200, body: { subject: 'anonymous' } });
    expect(await get(base, '/optional', `Bearer ${await idp.issue()}`)).toMatchObject({
      status: 200,
      body: { subject: 'user-1' },
    });
  });
});

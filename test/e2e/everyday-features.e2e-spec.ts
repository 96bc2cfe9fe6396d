import { Controller, Get, INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import {
  CurrentPrincipal,
  KeycloakAuthModule,
  Public,
  Roles,
  TokenExchangeService,
  type Principal,
} from 'nest-keycloak-s2s';
import { InvalidTokenError } from 'nest-keycloak-s2s/errors';
import { AccessToken, TOKEN_VERIFIER, type TokenVerifier } from 'nest-keycloak-s2s/verification';
import { get, listenOnLoopback } from '../support/loopback-app';
import { keysDirOf } from './support/client-keys';
import { claimsOf, KEYCLOAK_URL, serviceToken } from './support/keycloak';

// The everyday decorators a nest-keycloak-connect app reaches for, in an app of their own (service-b's client,
// signing with its e2e keys) against the real Keycloak: optional authentication on a public route, all-of role
// matching, and the verified token as a parameter, exchanged in code.

@Controller()
class EverydayController {
  constructor(private readonly exchanges: TokenExchangeService) {}

  @Public({ authentication: 'optional' })
  @Get('catalogue')
  catalogue(@CurrentPrincipal() caller: Principal | undefined) {
    return { caller: caller?.clientId ?? null };
  }

  @Roles('service-b:process-orders', 'service-b:admin', { match: 'all' })
  @Get('all-roles')
  allRoles() {
    return { ok: true };
  }

  @Roles('service-b:process-orders', { match: 'all' })
  @Get('one-role-all')
  oneRoleAll() {
    return { ok: true };
  }

  @Get('exchange-in-code')
  async exchangeInCode(@AccessToken() token: string) {
    const forC = await this.exchanges.exchange(token, {
      audience: 'service-c',
      scope: 'analytics.run service-c-audience',
    });
    return { aud: claimsOf(forC).aud, azp: claimsOf(forC).azp };
  }
}

let app: INestApplication;
let base: string;

beforeAll(async () => {
  const moduleRef = await Test.createTestingModule({
    imports: [
      KeycloakAuthModule.forRoot({
        url: KEYCLOAK_URL,
        realm: 's2s',
        clientId: 'service-b',
        audience: 'service-b',
        mode: 'jwt',
        clientAuth: { method: 'private_key_jwt', keys: { dir: keysDirOf('service-b'), generate: false } },
      }),
    ],
    controllers: [EverydayController],
  }).compile();
  app = moduleRef.createNestApplication(new FastifyAdapter());
  base = await listenOnLoopback(app);
});

afterAll(async () => {
  await app?.close();
});

const bearer = async () => `Bearer ${await serviceToken('service-a')}`;

describe("@Public({ authentication: 'optional' }) against Keycloak", () => {
  it('answers without a token, with no principal', async () => {
    expect(await get(base, '/catalogue')).toEqual({ status: 200, challenge: null, body: { caller: null } });
  });

  it("hands service-a's Keycloak token its principal", async () => {
    expect(await get(base, '/catalogue', await bearer())).toMatchObject({
      status: 200,
      body: { caller: 'service-a' },
    });
  });
});

describe("@Roles(..., { match: 'all' }) against Keycloak", () => {
  it('refuses a token with one of the two roles with 403 insufficient_role naming the missing one', async () => {
    const res = await get(base, '/all-roles', await bearer());
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'insufficient_role', message: 'requires role service-b:admin' });
  });

  it('lets a token with every listed role through', async () => {
    expect((await get(base, '/one-role-all', await bearer())).status).toBe(200);
  });
});

describe('@AccessToken() with TokenExchangeService.exchange against Keycloak', () => {
  it("exchanges the caller's verified token in code for one meant for service-c", async () => {
    const res = await get(base, '/exchange-in-code', await bearer());
    expect(res.status).toBe(200);
    expect([res.body.aud].flat()).toContain('service-c');
    expect(res.body.azp).toBe('service-b');
  });
});

describe('TOKEN_VERIFIER: a token verified in code, outside a guard, against Keycloak', () => {
  const verifier = () => app.get<TokenVerifier>(TOKEN_VERIFIER);

  it("turns service-a's token into its principal", async () => {
    const principal = await verifier().verify(await serviceToken('service-a'));
    expect(principal).toMatchObject({
      clientId: 'service-a',
      audience: expect.arrayContaining(['service-b']),
    });
  });

  it('refuses a token with a changed signature with a typed InvalidTokenError', async () => {
    const token = await serviceToken('service-a');
    const i = token.lastIndexOf('.') + 10;
    const forged = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
    const refusal = await verifier()
      .verify(forged)
      .catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(InvalidTokenError);
    expect(refusal).toMatchObject({ code: 'token_signature_invalid' });
  });
});

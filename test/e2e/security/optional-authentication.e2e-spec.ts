import { Controller, Get, INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { CurrentPrincipal, KeycloakAuthModule, Public, type Principal } from 'nest-keycloak-s2s';
import { get, listenOnLoopback } from '../../support/loopback-app';
import { KEYCLOAK_URL, serviceToken } from '../support/keycloak';

// Optional authentication must not weaken the checks: on a `@Public({ authentication: 'optional' })` route, a token
// that fails verification is refused with 401 as on a guarded route, never turned into an anonymous request that a
// handler could mistake for "no token" — or, worse, read a principal from.

@Controller()
class OptionalController {
  @Public({ authentication: 'optional' })
  @Get('optional')
  optional(@CurrentPrincipal() caller: Principal | undefined) {
    return { caller: caller?.clientId ?? null };
  }
}

/** The token with one payload claim changed (its signature no longer matches). */
function withClaim(token: string, name: string, value: unknown): string {
  const [header, payload, signature] = token.split('.');
  const claims = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), [name]: value };
  return [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
}

/** An unsigned token (`alg: none`) with `token`'s claims. */
function algNone(token: string): string {
  const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  return `${header}.${token.split('.')[1]}.`;
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
      }),
    ],
    controllers: [OptionalController],
  }).compile();
  app = moduleRef.createNestApplication(new FastifyAdapter());
  base = await listenOnLoopback(app);
});

afterAll(async () => {
  await app?.close();
});

describe('optional authentication on a public route (security)', () => {
  it.each([
    ['a forged claim (azp changed, signature kept)', (t: string) => withClaim(t, 'azp', 'service-x')],
    ['an expired token (exp changed, signature kept)', (t: string) => withClaim(t, 'exp', 1)],
    ['an unsigned token (alg none)', algNone],
    ["another service's token (aud service-c, signed)", (t: string) => withClaim(t, 'aud', 'service-c')],
  ])('refuses %s with 401 invalid_token and no principal', async (_name, forge) => {
    const res = await get(base, '/optional', `Bearer ${forge(await serviceToken('service-a'))}`);
    expect(res.status).toBe(401);
    expect(res.challenge).toMatch(/^Bearer realm="s2s", error="invalid_token"/);
    expect(res.body).not.toHaveProperty('caller');
  });

  it('positive control: the same route gives a real token its principal', async () => {
    expect((await get(base, '/optional', `Bearer ${await serviceToken('service-a')}`)).body).toEqual({
      caller: 'service-a',
    });
  });
});

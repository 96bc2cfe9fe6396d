import { Controller, Get, INestApplication, UseGuards } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { generateKeyPair } from 'jose';
import { KeycloakPassportGuard } from '../adapters/passport/keycloak-passport.guard';
import { KeycloakPassportModule } from '../adapters/passport/keycloak-passport.module';
import { Dpop } from './dpop.decorator';
import { DpopProofMaker } from '../client/dpop-proof.maker';
import { KeycloakAuthModule } from './keycloak-auth.module';
import { systemClock } from '../core/clock';
import { LocalIdp } from '../testing/local-idp';
import { ADAPTERS, AdapterName, listenOnLoopback, metadataOf } from '../../../../test/support/loopback-app';
import { startS2sIdp } from '../../../../test/support/s2s-idp';

// DPoP (RFC 9449) at the guard, over real HTTP on both adapters: bound tokens from the local IdP (typ DPoP,
// cnf.jkt of a key this test holds), proofs made with the library's DpopProofMaker, checked by the guard.

const ALGS = 'algs="ES256 PS256 RS256 EdDSA"';

@Controller()
class DpopController {
  @Get('allowed')
  allowed() {
    return { ok: true };
  }

  @Dpop('required')
  @Get('required')
  required() {
    return { ok: true };
  }

  @Dpop('off')
  @Get('off')
  off() {
    return { ok: true };
  }
}

@UseGuards(KeycloakPassportGuard)
@Controller('passport')
class PassportDpopController {
  @Dpop('required')
  @Get('required')
  required() {
    return { ok: true };
  }

  @Get('allowed')
  allowed() {
    return { ok: true };
  }
}

async function startApp(idp: LocalIdp, adapter: AdapterName, passport = false) {
  const moduleRef = await Test.createTestingModule({
    imports: passport
      ? [
          KeycloakAuthModule.forRoot({
            ...idp.moduleOptions({ globalGuard: false, dpop: { policy: 'allowed' } }),
            isGlobal: true,
          }),
          KeycloakPassportModule,
        ]
      : [KeycloakAuthModule.forRoot(idp.moduleOptions({ dpop: { policy: 'allowed' } }))],
    controllers: [passport ? PassportDpopController : DpopController],
  }).compile();
  const app = moduleRef.createNestApplication(
    adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(),
  );
  return { app, base: await listenOnLoopback(app) };
}

async function call(base: string, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, { headers });
  const body = (await res.json()) as Record<string, unknown>;
  return { status: res.status, challenge: res.headers.get('www-authenticate'), body };
}

describe.each(ADAPTERS)('KeycloakAuthGuard and DPoP (%s)', (adapter) => {
  let idp: LocalIdp;
  let app: INestApplication;
  let base: string;
  let maker: DpopProofMaker;
  let bound: string;
  let plain: string;

  beforeAll(async () => {
    idp = await startS2sIdp();
    ({ app, base } = await startApp(idp, adapter));
    maker = new DpopProofMaker(await generateKeyPair('ES256'), systemClock);
    bound = await idp.issue({ typ: 'DPoP', cnf: { jkt: await maker.thumbprint(), 'kc-jkt-type': 'DPoP' } });
    plain = await idp.issue();
  });
  afterAll(async () => {
    await app.close();
    await idp.stop();
  });

  const dpop = async (path: string, token = bound, signer = maker) => ({
    ...(await signer.headers('GET', `${base}${path}`, token)),
  });

  it.each(['allowed', 'required'])(
    'lets a bound token with a valid proof through a %s route',
    async (path) => {
      expect(await call(base, `/${path}`, await dpop(`/${path}`))).toMatchObject({
        status: 200,
        body: { ok: true },
      });
    },
  );

  it('lets a bearer token through a route that allows DPoP', async () => {
    expect((await call(base, '/allowed', { authorization: `Bearer ${plain}` })).status).toBe(200);
  });

  // `M`: the service's metadata URL (RFC 9728 §5.1), at the origin the request was sent to.
  it.each([
    ['allowed', `Bearer realm="s2s", M, DPoP realm="s2s", ${ALGS}, M`],
    ['required', `DPoP realm="s2s", ${ALGS}, M`],
    ['off', 'Bearer realm="s2s", M'],
  ])(
    'answers no credentials on a %s route with the schemes it takes and no error code',
    async (path, challenge) => {
      const res = await call(base, `/${path}`);
      expect(res).toMatchObject({
        status: 401,
        challenge: challenge.replaceAll('M', metadataOf(base)),
        body: { code: 'token_missing' },
      });
    },
  );

  const refusals: [string, string, () => Promise<Record<string, string>>, string, RegExp][] = [
    [
      'a bound token sent as Bearer (RFC 9449 §7.2)',
      '/allowed',
      async () => ({ authorization: `Bearer ${bound}` }),
      'dpop_bound_token_as_bearer',
      /^DPoP realm="s2s", error="invalid_token", error_description="[^"]+", algs="[^"]+", resource_metadata="[^"]+"$/,
    ],
    [
      'a bound token sent as Bearer where DPoP is off',
      '/off',
      async () => ({ authorization: `Bearer ${bound}` }),
      'dpop_bound_token_as_bearer',
      /^Bearer realm="s2s", error="invalid_token", error_description="[^"]+", resource_metadata="[^"]+"$/,
    ],
    [
      'a bearer token on a route that requires DPoP',
      '/required',
      async () => ({ authorization: `Bearer ${plain}` }),
      'dpop_required',
      /^DPoP realm="s2s", error="invalid_token", error_description="[^"]+", algs="[^"]+", resource_metadata="[^"]+"$/,
    ],
    [
      'a DPoP token where DPoP is off',
      '/off',
      () => dpop('/off'),
      'dpop_not_accepted',
      /^Bearer realm="s2s", error="invalid_token", /,
    ],
    [
      'an unbound token under the DPoP scheme, with a proof',
      '/allowed',
      () => dpop('/allowed', plain),
      'dpop_token_not_bound',
      /^DPoP realm="s2s", error="invalid_token", /,
    ],
    [
      'a bound token without its proof',
      '/required',
      async () => ({ authorization: `DPoP ${bound}` }),
      'dpop_proof_missing',
      /^DPoP realm="s2s", error="invalid_dpop_proof", error_description="[^"]+", algs="[^"]+", resource_metadata="[^"]+"$/,
    ],
    [
      'a proof made for another URI',
      '/required',
      () => dpop('/allowed'),
      'dpop_proof_uri_mismatch',
      /^DPoP realm="s2s", error="invalid_dpop_proof", /,
    ],
    [
      'a proof of another key',
      '/required',
      async () => dpop('/required', bound, new DpopProofMaker(await generateKeyPair('ES256'), systemClock)),
      'dpop_key_mismatch',
      /^DPoP realm="s2s", error="invalid_token", /,
    ],
  ];

  it.each(refusals)('refuses %s', async (_name, path, headers, code, challenge) => {
    const res = await call(base, path, await headers());
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ statusCode: 401, code });
    expect(res.challenge).toMatch(challenge);
  });

  it('refuses a proof sent a second time (jti replay)', async () => {
    const headers = await dpop('/required');
    expect((await call(base, '/required', headers)).status).toBe(200);
    const again = await call(base, '/required', headers);
    expect(again).toMatchObject({
      status: 401,
      body: { code: 'dpop_proof_replayed', error: 'invalid_dpop_proof' },
    });
  });
});

describe.each(ADAPTERS)('KeycloakPassportGuard and DPoP (%s)', (adapter) => {
  let idp: LocalIdp;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    idp = await startS2sIdp();
    ({ app, base } = await startApp(idp, adapter, true));
  });
  afterAll(async () => {
    await app.close();
    await idp.stop();
  });

  it('answers no credentials as the guard does: no error code (RFC 6750 §3.1), the route’s schemes', async () => {
    expect(await call(base, '/passport/allowed')).toMatchObject({
      status: 401,
      challenge: `Bearer realm="s2s", ${metadataOf(base)}, DPoP realm="s2s", ${ALGS}, ${metadataOf(base)}`,
      body: { code: 'token_missing' },
    });
    expect((await call(base, '/passport/required')).challenge).toBe(
      `DPoP realm="s2s", ${ALGS}, ${metadataOf(base)}`,
    );
  });

  it('applies @Dpop("required") of the route', async () => {
    const res = await call(base, '/passport/required', { authorization: `Bearer ${await idp.issue()}` });
    expect(res).toMatchObject({ status: 401, body: { code: 'dpop_required' } });
    expect(res.challenge).toMatch(/^DPoP realm="s2s", error="invalid_token", /);
  });
});

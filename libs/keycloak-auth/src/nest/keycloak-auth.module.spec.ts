import { Controller, Get, INestApplication, UseGuards } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test, TestingModule } from '@nestjs/testing';
import { KeycloakAuthGuard } from './keycloak-auth.guard';
import type { Agent } from 'undici';
import {
  DPOP_KEY,
  KEYCLOAK_AUTH_OPTIONS,
  KEYCLOAK_CLOCK,
  KEYCLOAK_DISPATCHER,
  TOKEN_VERIFIER,
} from '../core/constants';
import { KeycloakOAuthClient } from '../client/keycloak-oauth.client';
import { DpopKeyPair, DpopProofMaker } from '../client/dpop-proof.maker';
import { compactVerify } from 'jose';
import { KeycloakAuthModule } from './keycloak-auth.module';
import { KeycloakAuthOptions } from '../config/keycloak-auth.options';
import { IntrospectionTokenVerifier } from '../verification/introspection-token.verifier';
import { JwtTokenVerifier } from '../verification/jwt-token.verifier';
import { MultiRealmTokenVerifier } from '../verification/multi-realm-token.verifier';
import { systemClock } from '../core/clock';
import { LocalIdp } from '../testing/local-idp';
import { listenOnLoopback } from '../../../../test/support/loopback-app';
import { startS2sIdp } from '../../../../test/support/s2s-idp';

@Controller()
class OpenAndGuardedController {
  @Get('unguarded')
  unguarded() {
    return { ok: true };
  }

  @UseGuards(KeycloakAuthGuard)
  @Get('guarded')
  guarded() {
    return { ok: true };
  }
}

const base: KeycloakAuthOptions = {
  url: 'http://127.0.0.1:1',
  realm: 's2s',
  clientId: 'service-b',
  clientAuth: { method: 'client_secret_basic', secret: 'b-secret' },
  mode: 'jwt',
  audience: 'service-b',
};

const verifierOf = (moduleRef: TestingModule, issuer: string) => {
  const verifier = moduleRef.get(TOKEN_VERIFIER);
  expect(verifier).toBeInstanceOf(MultiRealmTokenVerifier);
  // The verifier each accepted issuer is routed to (a private field: only this test looks inside).
  return (verifier as unknown as { byIssuer: ReadonlyMap<string, unknown> }).byIssuer.get(issuer);
};

describe('KeycloakAuthModule', () => {
  const compile = (options: KeycloakAuthOptions) =>
    Test.createTestingModule({ imports: [KeycloakAuthModule.forRoot(options)] }).compile();

  it.each([
    ['jwt', JwtTokenVerifier],
    ['introspection', IntrospectionTokenVerifier],
  ] as const)('verifies tokens with the %s strategy when mode says so', async (mode, strategy) => {
    const moduleRef = await compile({ ...base, mode });
    expect(verifierOf(moduleRef, 'http://127.0.0.1:1/realms/s2s')).toBeInstanceOf(strategy);
    expect(moduleRef.get(KEYCLOAK_CLOCK)).toBe(systemClock);
    await moduleRef.close();
  });

  it('provides the resolved options', async () => {
    const moduleRef = await compile({ ...base, url: 'http://keycloak:8080/' });
    expect(moduleRef.get(KEYCLOAK_AUTH_OPTIONS)).toMatchObject({
      home: expect.objectContaining({ url: 'http://keycloak:8080' }),
      audience: ['service-b'],
    });
    await moduleRef.close();
  });

  it.each([
    [undefined, 'EdDSA', { name: 'Ed25519' }],
    ['ES256', 'ES256', { name: 'ECDSA', namedCurve: 'P-256' }],
    ['PS256', 'PS256', { name: 'RSA-PSS', modulusLength: 2048 }],
    ['EdDSA', 'EdDSA', { name: 'Ed25519' }],
  ] as const)(
    'makes its DPoP key for dpop.keyAlgorithm %s, and its proofs say %s',
    async (dpopKeyAlgorithm, alg, algorithm) => {
      const moduleRef = await compile({
        ...base,
        ...(dpopKeyAlgorithm ? { dpop: { keyAlgorithm: dpopKeyAlgorithm } } : {}),
      });
      const key = moduleRef.get<DpopKeyPair>(DPOP_KEY);
      expect(key.privateKey.algorithm).toMatchObject(algorithm);
      const proof = await moduleRef.get(DpopProofMaker).proof('POST', 'http://127.0.0.1:3002/api/compute');
      const { protectedHeader } = await compactVerify(proof, key.publicKey, { algorithms: [alg] });
      expect(protectedHeader).toMatchObject({ alg, typ: 'dpop+jwt' });
      await moduleRef.close();
    },
  );

  it("has one dispatcher towards Keycloak, the OAuth client's, and closes it on shutdown", async () => {
    const moduleRef = await compile(base);
    const dispatcher = moduleRef.get<Agent>(KEYCLOAK_DISPATCHER);
    expect(moduleRef.get(KeycloakOAuthClient).dispatcher).toBe(dispatcher);
    expect(dispatcher.closed).toBe(false);
    await moduleRef.close();
    expect(dispatcher.closed).toBe(true);
  });

  it('refuses to start with options that would let foreign tokens through', async () => {
    await expect(compile({ ...base, audience: [] })).rejects.toThrow(/audience: /);
    await expect(compile({ ...base, verification: { algorithms: ['HS256'] } })).rejects.toThrow(
      /algorithms: /,
    );
  });

  it('accepts its options from forRootAsync', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        KeycloakAuthModule.forRootAsync({ useFactory: async () => ({ ...base, mode: 'introspection' }) }),
      ],
    }).compile();
    expect(verifierOf(moduleRef, 'http://127.0.0.1:1/realms/s2s')).toBeInstanceOf(IntrospectionTokenVerifier);
    await moduleRef.close();
  });

  it.each([
    ['jwt', JwtTokenVerifier],
    ['introspection', IntrospectionTokenVerifier],
  ] as const)('gives each accepted realm its own %s verifier', async (mode, strategy) => {
    const moduleRef = await compile({
      ...base,
      mode,
      additionalRealms: [{ realm: 'partners' }, { realm: 's2s', url: 'https://sso.example.com' }],
    });
    const issuers = [
      'http://127.0.0.1:1/realms/s2s',
      'http://127.0.0.1:1/realms/partners',
      'https://sso.example.com/realms/s2s',
    ];
    const verifiers = issuers.map((issuer) => verifierOf(moduleRef, issuer));
    for (const verifier of verifiers) expect(verifier).toBeInstanceOf(strategy);
    expect(new Set(verifiers).size).toBe(3);
    expect(verifierOf(moduleRef, 'http://127.0.0.1:1/realms/other')).toBeUndefined();
    await moduleRef.close();
  });

  describe('over HTTP', () => {
    let idp: LocalIdp;
    let app: INestApplication | undefined;
    beforeEach(async () => (idp = await startS2sIdp()));
    afterEach(async () => {
      await app?.close();
      await idp.stop();
    });

    const start = async (globalGuard?: boolean) => {
      const moduleRef = await Test.createTestingModule({
        imports: [KeycloakAuthModule.forRoot({ ...base, url: idp.url, globalGuard })],
        controllers: [OpenAndGuardedController],
      }).compile();
      app = moduleRef.createNestApplication(new FastifyAdapter());
      const url = await listenOnLoopback(app);
      return (path: string, token?: string) =>
        fetch(`${url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }).then(
          (r) => r.status,
        );
    };

    it('guards every route by default', async () => {
      const status = await start();
      expect(await status('/unguarded')).toBe(401);
      expect(await status('/unguarded', await idp.issue())).toBe(200);
    });

    it('with globalGuard false, guards only the routes that ask for the guard', async () => {
      const status = await start(false);
      expect(await status('/unguarded')).toBe(200);
      expect(await status('/guarded')).toBe(401);
      expect(await status('/guarded', await idp.issue())).toBe(200);
    });
  });
});

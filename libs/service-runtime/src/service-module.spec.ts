import 'reflect-metadata';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Controller, Get, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DPOP_KEY, DpopKeyPair } from 'nest-keycloak-s2s/dpop';
import { createService } from './bootstrap';
import { ServiceDefinition } from './service-definition';
import type { KeycloakAuthOptions } from 'nest-keycloak-s2s';
import { loadServiceConfig, withAuthOverrides } from './service-module';

@Controller()
class ProbeController {
  @Get('probe')
  probe() {
    return { reached: true };
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

const PROBE: ServiceDefinition = {
  name: 'probe',
  description: 'A route without @Public().',
  module: ProbeModule,
  defaults: {},
};

const KEYS_DIR = join(mkdtempSync(join(tmpdir(), 'probe-keys-')), 'probe');
afterAll(() => rmSync(dirname(KEYS_DIR), { recursive: true, force: true }));

/** The probe service in-process (not listening); Keycloak is never reached: no token is ever verified. */
async function probeService(
  definition: ServiceDefinition,
  env: Record<string, string> = {},
): Promise<NestFastifyApplication> {
  const saved = { ...process.env };
  Object.assign(process.env, {
    CLIENT_KEYS_DIR: KEYS_DIR,
    CLIENT_KEYS_GENERATE: 'true',
    LOG_LEVEL: 'silent',
    KEYCLOAK_URL: 'http://127.0.0.1:9',
    ...env,
  });
  try {
    const app = await createService(definition, await loadServiceConfig(definition));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    return app;
  } finally {
    process.env = saved;
  }
}

describe('the KeycloakAuthModule options of a service', () => {
  it('guard every route by default: a request without a token is refused', async () => {
    const app = await probeService(PROBE);
    try {
      const res = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/probe' });
      expect(res.statusCode).toBe(401);
      // RFC 6750 §3.1: a request without credentials gets the challenge without an error code.
      expect(res.headers['www-authenticate']).toMatch(
        /^Bearer realm="s2s", resource_metadata="[^"]+", DPoP realm="s2s", algs="[^"]+", resource_metadata="[^"]+"$/,
      );
      expect(JSON.parse(res.body)).toMatchObject({ code: 'token_missing' });
    } finally {
      await app.close();
    }
  });

  it.each([
    [undefined, { name: 'Ed25519' }],
    ['ES256', { name: 'ECDSA', namedCurve: 'P-256' }],
  ] as const)(
    'make the DPoP key for DPOP_KEY_ALG %s: Ed25519, the default, unless set',
    async (alg, algorithm) => {
      const app = await probeService(PROBE, alg ? { DPOP_KEY_ALG: alg } : {});
      try {
        expect(app.get<DpopKeyPair>(DPOP_KEY).privateKey.algorithm).toMatchObject(algorithm);
      } finally {
        await app.close();
      }
    },
  );

  it('take the options a definition sets in code on top of the environment', async () => {
    const app = await probeService({ ...PROBE, auth: { globalGuard: false } });
    try {
      const res = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/probe' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ reached: true });
    } finally {
      await app.close();
    }
  });
});

describe('withAuthOverrides', () => {
  const base = {
    url: 'http://keycloak:8080',
    realm: 's2s',
    clientId: 'service-b',
    mode: 'jwt',
    audience: 'service-b',
    clientAuth: { method: 'client_secret_basic', secret: 'from-env' },
    dpop: { policy: 'allowed', proofMaxAgeSec: 60 },
    verification: { clockToleranceSec: 5 },
  } satisfies KeycloakAuthOptions;
  const replayStore = { rememberOnce: () => Promise.resolve(true) };
  const budgetStore = {
    increment: () => Promise.resolve({ count: 1, resetInMs: 1 }),
    decrement: () => Promise.resolve(),
  };

  it('lays each override on the one below in order: top-level keys replaced, option groups merged key by key', () => {
    const merged = withAuthOverrides(
      base,
      { dpop: { replayStore }, introspection: { budgetStore } },
      undefined,
      {
        globalGuard: false,
        dpop: { policy: 'required' },
        verification: { clockToleranceSec: 0 },
        clientAuth: { method: 'federated_jwt', assertionFile: '/token' },
      },
    );
    expect(merged).toEqual({
      ...base,
      globalGuard: false,
      dpop: { policy: 'required', proofMaxAgeSec: 60, replayStore },
      introspection: { budgetStore },
      verification: { clockToleranceSec: 0 },
      clientAuth: { method: 'federated_jwt', assertionFile: '/token' },
    });
  });

  it('leaves the base as it was, and gives it back unchanged without overrides', () => {
    const before = structuredClone(base);
    withAuthOverrides(base, { dpop: { replayStore } }, { dpop: { policy: 'required' } });
    expect(base).toEqual(before);
    expect(withAuthOverrides(base)).toEqual(base);
  });
});

describe('the public keys of a service', () => {
  it('are served without a token at /.well-known/jwks.json, briefly cacheable, the private parts left out', async () => {
    const app = await probeService(PROBE);
    try {
      const res = await app
        .getHttpAdapter()
        .getInstance()
        .inject({ method: 'GET', url: '/.well-known/jwks.json' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('public, max-age=5');
      const [kid] = readdirSync(KEYS_DIR).map((f) => f.replace('.key.json', ''));
      expect(res.json()).toEqual({
        keys: [expect.objectContaining({ kid, alg: 'ES256', use: 'sig', kty: 'EC' })],
      });
      expect(res.json().keys[0]).not.toHaveProperty('d');
    } finally {
      await app.close();
    }
  });

  it('answer 404 where the service authenticates with a secret', async () => {
    process.env.CLIENT_AUTH_METHOD = 'client_secret_basic';
    process.env.CLIENT_SECRET = 'probe-secret';
    try {
      const app = await probeService(PROBE);
      const res = await app
        .getHttpAdapter()
        .getInstance()
        .inject({ method: 'GET', url: '/.well-known/jwks.json' });
      expect(res.statusCode).toBe(404);
      await app.close();
    } finally {
      delete process.env.CLIENT_AUTH_METHOD;
      delete process.env.CLIENT_SECRET;
    }
  });
});

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addClientKey, ClientKeySet, readClientKeys } from 'nest-keycloak-s2s/client-keys';
import { AssertionModifier, clientAuthOf, KeycloakOAuthClient, privateKeyJwt } from 'nest-keycloak-s2s/oauth';
import { resolveKeycloakAuthOptions, ResolvedRealm } from 'nest-keycloak-s2s/options';
import {
  callsBetween,
  CountingProxy,
  noCalls,
  startCountingProxy,
} from '../../bench/keycloak-proxy/counting-proxy';
import { keysDirOf } from './support/client-keys';
import { adminClient, claimsOf, KEYCLOAK_URL, REALM, stacks, temporaryClient } from './support/keycloak';
import { runToExit, RunningService, startService } from './support/service-process';

const ISSUER = `${KEYCLOAK_URL}/realms/${REALM}`;
const SERVICES = ['service-a', 'service-b', 'service-c'] as const;

/**
 * Keycloak's client-credentials answer to service-b's library client, authenticating as `clientAuth` makes it (by
 * default as the library does, with the keys of its options).
 */
async function clientCredentialsAs(
  proxy: CountingProxy,
  clientAuth?: (realm: ResolvedRealm) => ReturnType<typeof clientAuthOf>,
): Promise<{ error?: { code?: string; status?: number; message: string }; calls: number }> {
  const options = resolveKeycloakAuthOptions({
    url: proxy.url,
    issuer: ISSUER,
    realm: REALM,
    clientId: 'service-b',
    clientAuth: { method: 'private_key_jwt', keys: { dir: keysDirOf('service-b') } },
    mode: 'jwt',
    audience: 'service-b',
  });
  const oauth = new KeycloakOAuthClient(options, undefined, undefined, clientAuth);
  const before = proxy.counts();
  try {
    await oauth.clientCredentials();
    return { calls: callsBetween(before, proxy.counts()).client_credentials };
  } catch (e) {
    const error = e as Error & { code?: string; getStatus?: () => number };
    return {
      error: { code: error.code, status: error.getStatus?.(), message: error.message },
      calls: callsBetween(before, proxy.counts()).client_credentials,
    };
  } finally {
    await oauth.close();
  }
}

/** service-b's own keys, with the assertion changed by `modify` before it is signed. */
const modified = (modify: AssertionModifier) => () =>
  privateKeyJwt(new ClientKeySet({ dir: keysDirOf('service-b') }), modify);

describe('signed-JWT client authentication (private_key_jwt) against Keycloak', () => {
  describe('each service publishes its public keys', () => {
    it.each(SERVICES)(
      '%s: GET /.well-known/jwks.json without a token, every key of its folder, no private part',
      async (name) => {
        for (const mode of ['jwt', 'introspection'] as const) {
          const res = await fetch(`${stacks()[mode][name]}/.well-known/jwks.json`);
          expect(res.status).toBe(200);
          expect(res.headers.get('cache-control')).toBe('public, max-age=5');
          const { keys } = (await res.json()) as { keys: Record<string, string>[] };
          // Both chains read one folder per client: they publish the same keys, so one jwks.url serves both.
          expect(keys.map((k) => k.kid).sort()).toEqual(
            readClientKeys(keysDirOf(name))
              .map((k) => k.kid)
              .sort(),
          );
          for (const key of keys) {
            expect(key).toMatchObject({ use: 'sig', alg: 'ES256', kty: 'EC', crv: 'P-256' });
            expect(key).not.toHaveProperty('d');
          }
        }
      },
    );

    it("the realm's clients read them from the jwt chain, and authenticate with a JWT, not a secret", async () => {
      const admin = await adminClient();
      for (const name of SERVICES) {
        const [client] = await admin.clients.find({ clientId: name });
        expect(client.clientAuthenticatorType).toBe('client-jwt');
        expect(client.attributes).toMatchObject({
          'use.jwks.url': 'true',
          'jwks.url': `${stacks().jwt[name]}/.well-known/jwks.json`,
          'token.endpoint.auth.signing.alg': 'ES256',
        });
      }
    });
  });

  describe('what Keycloak refuses, each sent once: the caller gets invalid_client and nothing is retried', () => {
    let proxy: CountingProxy;
    let strayKeys: string;
    beforeAll(async () => {
      proxy = await startCountingProxy(KEYCLOAK_URL);
      strayKeys = mkdtempSync(join(tmpdir(), 'stray-keys-'));
      addClientKey(strayKeys);
    });
    afterAll(async () => {
      await proxy?.stop();
      rmSync(strayKeys, { recursive: true, force: true });
    });

    it('accepts a well-formed assertion: the control case', async () => {
      const answer = await clientCredentialsAs(proxy);
      expect(answer).toEqual({ calls: 1 });
    });

    it.each([
      ['signed by a key the service never published', () => privateKeyJwtOf(strayKeys)],
      [
        'expired',
        () =>
          modified((_header, claims) => {
            const past = Math.floor(Date.now() / 1000) - 600;
            Object.assign(claims, { iat: past - 60, nbf: past - 60, exp: past });
          }),
      ],
      [
        'for another client id (iss and sub service-a, sent as service-b)',
        () =>
          modified((_header, claims) => {
            Object.assign(claims, { iss: 'service-a', sub: 'service-a' });
          }),
      ],
    ])('refuses an assertion %s', async (_what, auth) => {
      const answer = await clientCredentialsAs(proxy, auth());
      expect(answer.calls).toBe(1);
      expect(answer.error).toMatchObject({ code: 'idp_rejected_client', status: 503 });
      expect(answer.error?.message).toContain('invalid_client');
    });

    it('refuses a replayed jti: the first use passes, the second is "Token reuse detected"', async () => {
      const jti = `replayed-${Math.random().toString(36).slice(2)}`;
      const sameJti = modified((_header, claims) => {
        claims.jti = jti;
      });
      expect(await clientCredentialsAs(proxy, sameJti)).toEqual({ calls: 1 });
      const replay = await clientCredentialsAs(proxy, sameJti);
      expect(replay.calls).toBe(1);
      expect(replay.error).toMatchObject({ code: 'idp_rejected_client', status: 503 });
      expect(replay.error?.message).toContain('invalid_client');
      expect(replay.error?.message).toContain('Token reuse detected');
    });
  });

  describe('a service whose key Keycloak cannot find', () => {
    let proxy: CountingProxy;
    let keys: string;
    let serviceA: RunningService;
    beforeAll(async () => {
      proxy = await startCountingProxy(KEYCLOAK_URL);
      keys = join(mkdtempSync(join(tmpdir(), 'unpublished-')), 'service-a');
      serviceA = await startService('service-a', {
        KEYCLOAK_URL: proxy.url,
        KEYCLOAK_ISSUER: ISSUER,
        CLIENT_ID: 'service-a',
        CLIENT_KEYS_DIR: keys,
        CLIENT_KEYS_GENERATE: 'true', // a key of its own, never published at service-a's jwks.url
        SERVICE_B_URL: stacks().jwt['service-b'],
      });
    });
    afterAll(async () => {
      await serviceA?.stop();
      await proxy?.stop();
      rmSync(join(keys, '..'), { recursive: true, force: true });
    });

    it('answers the chain with an error naming invalid_client, after exactly one call to Keycloak', async () => {
      const before = proxy.counts();
      const res = await fetch(`${serviceA.url}/run-service-b`);
      const body = (await res.json()) as Record<string, unknown>;
      // service-a cannot authenticate: 503 idp_rejected_client (it cannot serve until its key is fixed), never retried.
      expect(res.status).toBe(503);
      expect(body).toMatchObject({
        statusCode: 503,
        error: 'idp_unavailable',
        code: 'idp_rejected_client',
        message: expect.stringContaining('invalid_client'),
      });
      expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/); // no stack trace
      expect(callsBetween(before, proxy.counts())).toEqual({ ...noCalls(), client_credentials: 1 });
      expect(readdirSync(keys)).toHaveLength(1);
    });
  });

  it('a service refuses to start on a key folder without key: one line naming the folder, no stack trace', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-keys-'));
    try {
      const { code, output } = await runToExit('service-c', { KEYCLOAK_URL, CLIENT_KEYS_DIR: empty });
      expect(code).toBe(1);
      expect(output.trim()).toBe(
        `service-c: cannot start: Invalid configuration: CLIENT_KEYS_DIR: ${empty} holds no key (*.key.json)`,
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('client_secret_basic still works, for a client that has a secret', async () => {
    const admin = await adminClient();
    const client = await temporaryClient(admin, 'client-auth-secret-probe', ['service-b-audience']);
    const options = resolveKeycloakAuthOptions({
      url: KEYCLOAK_URL,
      realm: REALM,
      clientId: 'client-auth-secret-probe',
      clientAuth: { method: 'client_secret_basic', secret: client.secret },
      mode: 'introspection',
      audience: 'client-auth-secret-probe',
    });
    const oauth = new KeycloakOAuthClient(options);
    try {
      const { accessToken } = await oauth.clientCredentials();
      expect(claimsOf(accessToken)).toMatchObject({ azp: 'client-auth-secret-probe', aud: 'service-b' });
    } finally {
      await oauth.close();
      await client.remove();
    }
  });
});

/** A ClientAuth signing with the keys of `dir` (not the service's own), as a stolen or misplaced key would. */
function privateKeyJwtOf(dir: string) {
  const keys = new ClientKeySet({ dir });
  return () => privateKeyJwt(keys);
}

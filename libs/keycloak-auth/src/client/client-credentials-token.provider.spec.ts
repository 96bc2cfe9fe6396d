import {
  calculateJwkThumbprint,
  compactVerify,
  decodeJwt,
  decodeProtectedHeader,
  generateKeyPair,
} from 'jose';
import { DpopProofMaker } from './dpop-proof.maker';
import { ClientConfigurationError, IdentityProviderUnavailableError } from '../core/errors';
import { KeycloakOAuthClient } from './keycloak-oauth.client';
import { LocalIdp, TestClock } from '../testing/local-idp';
import { rejectionOf } from '../../../../test/support/rejection';
import { ClientCredentialsTokenProvider } from './client-credentials-token.provider';

describe('ClientCredentialsTokenProvider', () => {
  let idp: LocalIdp;
  let clock: TestClock;
  let oauth: KeycloakOAuthClient | undefined;
  let provider: ClientCredentialsTokenProvider;
  let issued: number;

  const providerWith = (overrides: Record<string, unknown> = {}) => {
    const options = idp.options({
      clientId: 'service-a',
      clientSecret: 'a-secret',
      httpTimeoutMs: 1000,
      ...overrides,
    });
    void oauth?.close();
    oauth = new KeycloakOAuthClient(options, undefined, dpopKey);
    return new ClientCredentialsTokenProvider(clock, oauth);
  };
  const answerTokens = (expiresIn: number) => {
    idp.tokenAnswer = () => ({
      status: 200,
      body: { access_token: `token-${++issued}`, expires_in: expiresIn, token_type: 'Bearer' },
    });
  };

  let dpopKey: Awaited<ReturnType<typeof generateKeyPair>>;

  beforeEach(async () => {
    dpopKey = await generateKeyPair('ES256');
    idp = await LocalIdp.start();
    clock = new TestClock();
    provider = providerWith({ refreshMarginSec: 30, refreshFraction: 0.1 });
    issued = 0;
    answerTokens(300);
  });
  afterEach(async () => {
    await oauth?.close();
    oauth = undefined;
    await idp.stop();
  });

  it('asks for grant_type=client_credentials as service-a with HTTP Basic', async () => {
    await expect(provider.getToken()).resolves.toBe('token-1');
    expect(Object.fromEntries(idp.forms.token[0])).toEqual({ grant_type: 'client_credentials' });
    expect(idp.authorizations[0]).toBe(`Basic ${Buffer.from('service%2Da:a%2Dsecret').toString('base64')}`);
    expect(idp.contentTypes[0]).toMatch(/^application\/x-www-form-urlencoded\b/);
  });

  it('form-encodes id and secret before joining them for Basic (RFC 6749 §2.3.1)', async () => {
    provider = providerWith({ clientSecret: 'p@ss:w rd' });
    await provider.getToken();
    expect(idp.authorizations[0]).toBe(
      `Basic ${Buffer.from('service%2Da:p%40ss%3Aw+rd').toString('base64')}`,
    );
  });

  it('asks Keycloak again after the cached token of that scope is invalidated, and only for that scope', async () => {
    await provider.getToken();
    await provider.getToken({ scope: 'analytics.run' });
    provider.invalidate();
    await expect(provider.getToken()).resolves.toBe('token-3');
    await expect(provider.getToken({ scope: ' analytics.run ' })).resolves.toBe('token-2');
    expect(idp.requests.token).toBe(3);
  });

  it('serves the second call from the cache', async () => {
    await provider.getToken();
    await expect(provider.getToken()).resolves.toBe('token-1');
    expect(idp.requests.token).toBe(1);
  });

  it('caches per scope and sends the extra scope', async () => {
    await expect(provider.getToken({ scope: 'analytics.run' })).resolves.toBe('token-1');
    await expect(provider.getToken()).resolves.toBe('token-2');
    await expect(provider.getToken({ scope: ' analytics.run ' })).resolves.toBe('token-1');
    expect(idp.forms.token.map((f) => f.get('scope'))).toEqual(['analytics.run', null]);
  });

  it('renews once the clock passes expiry minus the margin (30 s > 10 % of 300 s), not before', async () => {
    await provider.getToken();
    clock.advance(270_000 - 1);
    await expect(provider.getToken()).resolves.toBe('token-1');
    clock.advance(1);
    await expect(provider.getToken()).resolves.toBe('token-2');
    expect(idp.requests.token).toBe(2);
  });

  it('renews once the clock passes expiry minus 10 % of the lifetime when that exceeds the margin', async () => {
    answerTokens(3600);
    await provider.getToken();
    clock.advance(3_240_000 - 1);
    await expect(provider.getToken()).resolves.toBe('token-1');
    clock.advance(1);
    await expect(provider.getToken()).resolves.toBe('token-2');
    expect(idp.requests.token).toBe(2);
  });

  it('keeps a short-lived token for at least half its life, however large the margin', async () => {
    answerTokens(40);
    await provider.getToken();
    clock.advance(20_000 - 1);
    await expect(provider.getToken()).resolves.toBe('token-1');
    clock.advance(1);
    await expect(provider.getToken()).resolves.toBe('token-2');
  });

  it('shares one request among 10 concurrent callers', async () => {
    const tokens = await Promise.all(Array.from({ length: 10 }, () => provider.getToken()));
    expect(tokens).toEqual(Array(10).fill('token-1'));
    expect(idp.requests.token).toBe(1);
  });

  it('retries while Keycloak answers 503, then succeeds (3 requests)', async () => {
    let calls = 0;
    idp.tokenAnswer = () =>
      ++calls < 3
        ? { status: 503, body: { error: 'temporarily_unavailable' } }
        : { status: 200, body: { access_token: 'late', token_type: 'Bearer', expires_in: 300 } };
    await expect(provider.getToken()).resolves.toBe('late');
    expect(idp.requests.token).toBe(3);
  });

  it('fails after exactly 1 request, without retrying, when Keycloak refuses the client', async () => {
    idp.tokenAnswer = {
      status: 401,
      body: { error: 'invalid_client', error_description: 'Invalid client or Invalid client credentials' },
    };
    const error = await rejectionOf(provider.getToken());
    expect(error).toBeInstanceOf(ClientConfigurationError);
    expect(error.code).toBe('idp_rejected_client');
    expect(error.getStatus?.()).toBe(503);
    expect((error as ClientConfigurationError).oauthError).toBe('invalid_client');
    expect(error.message).toContain('Invalid client or Invalid client credentials');
    expect(idp.requests.token).toBe(1);
  });

  it('does not remember a refusal: the next call asks again', async () => {
    idp.tokenAnswer = { status: 401, body: { error: 'invalid_client' } };
    await rejectionOf(provider.getToken());
    answerTokens(300);
    await expect(provider.getToken()).resolves.toBe('token-1');
    expect(idp.requests.token).toBe(2);
  });

  it('reports a server that is down as IdentityProviderUnavailableError (503) after its retries', async () => {
    await idp.stop();
    const error = await rejectionOf(provider.getToken());
    expect(error).toBeInstanceOf(IdentityProviderUnavailableError);
    expect(error.getStatus?.()).toBe(503);
  });

  it('reports a Keycloak that keeps resetting the connection as 503 after 3 attempts', async () => {
    idp.behaviour.token = 'reset';
    expect(await rejectionOf(provider.getToken())).toBeInstanceOf(IdentityProviderUnavailableError);
    expect(idp.requests.token).toBe(3);
  });

  describe('DPoP-bound tokens (RFC 9449 §5)', () => {
    it('sends a proof of the process key to the token endpoint, and caches bound and bearer tokens apart', async () => {
      idp.tokenAnswer = () => ({
        status: 200,
        body: { access_token: `token-${++issued}`, expires_in: 300, token_type: 'DPoP' },
      });
      await expect(provider.getToken({ dpop: true })).resolves.toBe('token-1');
      const proof = idp.dpopProofs[0];
      expect(decodeProtectedHeader(proof)).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256' });
      expect(decodeJwt(proof)).toMatchObject({
        htm: 'POST',
        htu: `${idp.url}/realms/s2s/protocol/openid-connect/token`,
      });
      const thumbprint = await new DpopProofMaker(dpopKey, clock).thumbprint();
      expect(await calculateJwkThumbprint(decodeProtectedHeader(proof).jwk!)).toBe(thumbprint);
      await expect(provider.getToken({ dpop: true })).resolves.toBe('token-1');
      await expect(provider.getToken()).resolves.toBe('token-2');
      expect(idp.dpopProofs[1]).toBe('');
    });

    it.each([
      ['PS256', 'PS256'],
      ['EdDSA', 'EdDSA'],
    ] as const)(
      'signs with a %s key a proof whose alg is %s, the name Keycloak accepts, and which verifies',
      async (keyAlg, alg) => {
        dpopKey = await generateKeyPair(keyAlg);
        provider = providerWith();
        idp.tokenAnswer = () => ({
          status: 200,
          body: { access_token: 'bound', expires_in: 300, token_type: 'DPoP' },
        });
        await expect(provider.getToken({ dpop: true })).resolves.toBe('bound');
        const proof = idp.dpopProofs[0];
        expect(decodeProtectedHeader(proof)).toMatchObject({ typ: 'dpop+jwt', alg });
        await expect(compactVerify(proof, dpopKey.publicKey, { algorithms: [alg] })).resolves.toBeDefined();
      },
    );

    it('names the token endpoint under the issuer in htu with dpopKeycloakHtu: issuer (Keycloak behind a proxy)', async () => {
      const issuer = 'http://keycloak.example/realms/s2s';
      provider = providerWith({ issuer, dpopKeycloakHtu: 'issuer' });
      await provider.getToken({ dpop: true });
      expect(decodeJwt(idp.dpopProofs[0]).htu).toBe(`${issuer}/protocol/openid-connect/token`);
      // The request itself still goes to `url`, where this service reaches Keycloak.
      expect(idp.requests.token).toBe(1);
    });

    it("retries once with Keycloak's DPoP-Nonce when the token endpoint asks for one (RFC 9449 §8)", async () => {
      idp.tokenAnswer = () =>
        decodeJwt(idp.dpopProofs.at(-1)!).nonce === 'kc-nonce'
          ? { status: 200, body: { access_token: 'bound', expires_in: 300, token_type: 'DPoP' } }
          : {
              status: 400,
              body: { error: 'use_dpop_nonce', error_description: 'nonce required' },
              headers: { 'dpop-nonce': 'kc-nonce' },
            };
      await expect(provider.getToken({ dpop: true })).resolves.toBe('bound');
      expect(idp.requests.token).toBe(2);
    });
  });
});

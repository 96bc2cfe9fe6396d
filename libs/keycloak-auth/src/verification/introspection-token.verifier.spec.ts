import { CryptoKey, decodeJwt, generateKeyPair, SignJWT } from 'jose';
import {
  ClientConfigurationError,
  IdentityProviderUnavailableError,
  IntrospectionRateLimitedError,
  InvalidTokenError,
  StoreUnavailableError,
} from '../core/errors';
import type { CounterStore } from '../core/shared-state';
import { KeycloakOAuthClient } from '../client/keycloak-oauth.client';
import { LocalIdp, TestClock } from '../testing/local-idp';
import { rejectionOf } from '../../../../test/support/rejection';
import { IntrospectionTokenVerifier } from './introspection-token.verifier';
import { startS2sIdp } from '../../../../test/support/s2s-idp';

describe('IntrospectionTokenVerifier', () => {
  let idp: LocalIdp;
  let clock: TestClock;
  let oauth: KeycloakOAuthClient;
  let verifier: IntrospectionTokenVerifier;
  let token: string;

  beforeEach(async () => {
    idp = await startS2sIdp();
    clock = new TestClock();
    const options = idp.options({
      mode: 'introspection',
      introspection: { cacheTtlSec: 30 },
      http: { timeoutMs: 1000 },
    });
    oauth = new KeycloakOAuthClient(options);
    verifier = new IntrospectionTokenVerifier(options.home, options, clock, oauth);
    token = await idp.issue({}, { now: clock.now() });
    idp.introspectAnswer = LocalIdp.activeAnswer(token);
  });
  afterEach(async () => {
    await oauth.close();
    await idp.stop();
  });

  const refused = async (promise: Promise<unknown>, code: string) => {
    const error = await rejectionOf(promise);
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error.code).toBe(code);
    expect(error.getStatus?.()).toBe(401);
  };
  const unavailable = async (promise: Promise<unknown>) => {
    const error = await rejectionOf(promise);
    expect(error).toBeInstanceOf(IdentityProviderUnavailableError);
    expect(error.getStatus?.()).toBe(503);
    expect(error.code).toBe('idp_unavailable');
    return error;
  };

  it('turns an active answer into the principal', async () => {
    await expect(verifier.verify(token)).resolves.toMatchObject(idp.defaultPrincipal());
  });

  it('asks as service-b with HTTP Basic and the token in a form body', async () => {
    await verifier.verify(token);
    expect(idp.requests.introspect).toBe(1);
    expect(idp.authorizations[0]).toBe(`Basic ${Buffer.from('service%2Db:b%2Dsecret').toString('base64')}`);
    expect(idp.contentTypes[0]).toMatch(/^application\/x-www-form-urlencoded\b/);
    expect(Object.fromEntries(idp.forms.introspect[0])).toEqual({ token, token_type_hint: 'access_token' });
  });

  it('refuses an inactive token with 401 token_inactive', async () => {
    idp.introspectAnswer = { status: 200, body: { active: false } };
    await refused(verifier.verify(token), 'token_inactive');
  });

  it('refuses an active token meant for another service with 401 token_audience_invalid', async () => {
    const forC = await idp.issue({ aud: 'service-c' }, { now: clock.now() });
    idp.introspectAnswer = LocalIdp.activeAnswer(forC);
    await refused(verifier.verify(forC), 'token_audience_invalid');
  });

  it('refuses an active ID token: introspection says active, not that it is an access token', async () => {
    const idToken = await idp.issue({ typ: 'ID' }, { now: clock.now() });
    idp.introspectAnswer = LocalIdp.activeAnswer(idToken);
    await refused(verifier.verify(idToken), 'token_type_invalid');
  });

  it.each([
    ['from another issuer', () => ({ iss: 'http://127.0.0.1:1/realms/other' }), 'token_issuer_invalid'],
    [
      'expired (past the clock tolerance)',
      (now: number) => ({ iat: now - 600, exp: now - 6 }),
      'token_expired',
    ],
    ['not yet valid (nbf)', (now: number) => ({ nbf: now + 60 }), 'token_not_yet_valid'],
    [
      'issued in the future (iat)',
      (now: number) => ({ iat: now + 3600, exp: now + 7200 }),
      'token_issued_in_future',
    ],
    ['without azp', () => ({ azp: undefined }), 'token_claims_invalid'],
  ])('refuses a token %s', async (_name, claims, code) => {
    const odd = await idp.issue(claims(Math.floor(clock.now() / 1000)), { now: clock.now() });
    idp.introspectAnswer = LocalIdp.activeAnswer(odd);
    // Its own claims already say no: refused before any call, so such tokens cannot flood Keycloak.
    await refused(verifier.verify(odd), code);
    expect(idp.requests.introspect).toBe(0);
    // And Keycloak's answer is checked by the same rules: a well-formed token whose answer says otherwise.
    await refused(verifier.verify(token), code);
    expect(idp.requests.introspect).toBe(1);
  });

  it.each([
    ['alg none', { alg: 'none' }],
    ['HS256 (key confusion)', { alg: 'HS256', typ: 'JWT' }],
    ['no alg', { typ: 'JWT' }],
  ])('refuses a token with %s without asking Keycloak', async (_name, header) => {
    const [, payload, signature] = token.split('.');
    const forged = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${payload}.${signature}`;
    await refused(verifier.verify(forged), 'token_algorithm_not_allowed');
    expect(idp.requests.introspect).toBe(0);
  });

  describe('a forged token (plausible claims, a key the realm never published)', () => {
    let attackerKey: CryptoKey;
    beforeAll(async () => {
      ({ privateKey: attackerKey } = await generateKeyPair('RS256'));
    });
    const forge = (kid: string) =>
      new SignJWT(decodeJwt(token)).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid }).sign(attackerKey);

    it("under the realm's kid: 401 token_signature_invalid, and no introspection", async () => {
      await refused(verifier.verify(await forge(idp.signingKey.kid)), 'token_signature_invalid');
      expect(idp.requests.introspect).toBe(0);
    });

    it('30 of them under random kids: 0 introspections, the JWKS fetched at most twice (the cooldown)', async () => {
      for (let i = 0; i < 30; i++)
        await refused(verifier.verify(await forge(`kid-${i}`)), 'token_key_unknown');
      expect(idp.requests.introspect).toBe(0);
      expect(idp.requests.jwks).toBeGreaterThanOrEqual(1);
      expect(idp.requests.jwks).toBeLessThanOrEqual(2);
    });

    it('while a validly signed token is still introspected: revocation keeps working', async () => {
      idp.introspectAnswer = { status: 200, body: { active: false } };
      await refused(verifier.verify(token), 'token_inactive');
      expect(idp.requests.introspect).toBe(1);
    });
  });

  describe('introspection.missesPerMinute', () => {
    beforeEach(() => {
      const limited = idp.options({
        mode: 'introspection',
        introspection: { missesPerMinute: 3 },
        http: { timeoutMs: 1000 },
      });
      verifier = new IntrospectionTokenVerifier(limited.home, limited, clock, oauth);
    });
    const fresh = (azp: string) => idp.issue({ azp }, { now: clock.now() });

    it('refuses a caller past its new tokens a minute with 429 and Retry-After, without asking Keycloak', async () => {
      for (let i = 0; i < 3; i++) {
        const t = await fresh('service-a');
        idp.introspectAnswer = LocalIdp.activeAnswer(t);
        await verifier.verify(t);
      }
      expect(idp.requests.introspect).toBe(3);
      clock.advance(20_000);
      const error = await rejectionOf(verifier.verify(await fresh('service-a')));
      expect(error).toBeInstanceOf(IntrospectionRateLimitedError);
      expect(error.getStatus?.()).toBe(429);
      expect(error.code).toBe('introspection_rate_limited');
      expect((error as IntrospectionRateLimitedError).retryAfterSec).toBe(40);
      expect(idp.requests.introspect).toBe(3);
    });

    it('spends nothing on tokens already introspected, nor on other callers, and starts again each minute', async () => {
      const tokens = [await fresh('service-a'), await fresh('service-a'), await fresh('service-a')];
      for (const t of tokens) {
        idp.introspectAnswer = LocalIdp.activeAnswer(t);
        await verifier.verify(t);
      }
      await verifier.verify(tokens[0]); // cached: free
      const other = await fresh('partner');
      idp.introspectAnswer = LocalIdp.activeAnswer(other);
      await expect(verifier.verify(other)).resolves.toMatchObject({ clientId: 'partner' });
      clock.advance(60_000);
      const next = await fresh('service-a');
      idp.introspectAnswer = LocalIdp.activeAnswer(next);
      await expect(verifier.verify(next)).resolves.toMatchObject({ clientId: 'service-a' });
      expect(idp.requests.introspect).toBe(5);
    });

    it('gives back the misses Keycloak never answered: an outage stays 503, not 429, and the budget is whole after', async () => {
      idp.introspectAnswer = { status: 503, body: { error: 'unavailable' } };
      for (let i = 0; i < 10; i++) {
        const error = await rejectionOf(verifier.verify(await fresh('service-a')));
        expect(error.code).toBe('idp_unavailable');
        expect(error.getStatus?.()).toBe(503);
      }
      expect(idp.requests.introspect).toBe(10);
      for (let i = 0; i < 3; i++) {
        const t = await fresh('service-a');
        idp.introspectAnswer = LocalIdp.activeAnswer(t);
        await expect(verifier.verify(t)).resolves.toMatchObject({ clientId: 'service-a' });
      }
      expect((await rejectionOf(verifier.verify(await fresh('service-a')))).code).toBe(
        'introspection_rate_limited',
      );
      expect(idp.requests.introspect).toBe(13);
    });

    it('keeps the miss of a token Keycloak answered inactive: only an outage is refunded', async () => {
      idp.introspectAnswer = { status: 200, body: { active: false } };
      for (let i = 0; i < 3; i++) await refused(verifier.verify(await fresh('service-a')), 'token_inactive');
      expect((await rejectionOf(verifier.verify(await fresh('service-a')))).code).toBe(
        'introspection_rate_limited',
      );
      expect(idp.requests.introspect).toBe(3);
    });

    it('counts in the store it is given, and refuses with 503 without asking Keycloak when the store cannot answer', async () => {
      const counts = new Map<string, number>();
      let down = false;
      const store: CounterStore = {
        increment: (key) => {
          if (down) return Promise.reject(new Error('connection refused'));
          counts.set(key, (counts.get(key) ?? 0) + 1);
          return Promise.resolve({ count: counts.get(key)!, resetInMs: 30_000 });
        },
        decrement: () => Promise.resolve(),
      };
      const options = idp.options({
        mode: 'introspection',
        introspection: { missesPerMinute: 3, budgetStore: store },
      });
      // Two replicas on one store: one budget between them.
      const [one, two] = [0, 1].map(
        () => new IntrospectionTokenVerifier(options.home, options, clock, oauth),
      );
      for (const replica of [one, two, one]) {
        const t = await fresh('service-a');
        idp.introspectAnswer = LocalIdp.activeAnswer(t);
        await replica.verify(t);
      }
      const limited = await rejectionOf(two.verify(await fresh('service-a')));
      expect(limited.code).toBe('introspection_rate_limited');
      expect((limited as IntrospectionRateLimitedError).retryAfterSec).toBe(30);
      down = true;
      const error = await rejectionOf(one.verify(await fresh('partner')));
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error.getStatus?.()).toBe(503);
      expect(error.code).toBe('counter_store_unavailable');
      expect((error as StoreUnavailableError).retryAfterSec).toBe(1);
      expect(idp.requests.introspect).toBe(3);
    });
  });

  it('refuses a JWT-shaped token whose parts are not JSON without asking Keycloak', async () => {
    await refused(verifier.verify('bm90IGpzb24.bm90IGpzb24.c2ln'), 'token_malformed');
    expect(idp.requests.introspect).toBe(0);
  });

  it('refuses a token Keycloak cannot parse (400 invalid_request, e.g. no alg) as inactive, not as an outage', async () => {
    idp.introspectAnswer = {
      status: 400,
      body: { error: 'invalid_request', error_description: 'Failed to introspect token.' },
    };
    await refused(verifier.verify(token), 'token_inactive');
    await refused(verifier.verify(token), 'token_inactive');
    expect(idp.requests.introspect).toBe(1);
  });

  it.each([['not a token'], ['a.b'], ['']])('refuses %p without asking Keycloak', async (garbage) => {
    await refused(verifier.verify(garbage), 'token_malformed');
    expect(idp.requests.introspect).toBe(0);
  });

  describe('cache', () => {
    it('answers the second verify without a request', async () => {
      await verifier.verify(token);
      await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'user-1' });
      expect(idp.requests.introspect).toBe(1);
    });

    it('tells a remembered verdict at once (cached): the principal, or the refusal of an inactive token', async () => {
      expect(verifier.cached(token)).toBeUndefined();
      await verifier.verify(token);
      expect(verifier.cached(token)).toMatchObject(idp.defaultPrincipal());
      const revoked = await idp.issue({ jti: 'revoked' }, { now: clock.now() });
      idp.introspectAnswer = { status: 200, body: { active: false } };
      await refused(verifier.verify(revoked), 'token_inactive');
      expect(() => verifier.cached(revoked)).toThrow(expect.objectContaining({ code: 'token_inactive' }));
      clock.advance(30_000);
      expect(verifier.cached(token)).toBeUndefined();
      expect(idp.requests.introspect).toBe(2);
    });

    it('reuses an answer for at most introspection.cacheTtlSec', async () => {
      await verifier.verify(token);
      clock.advance(29_999);
      await verifier.verify(token);
      expect(idp.requests.introspect).toBe(1);
      clock.advance(1);
      idp.introspectAnswer = { status: 200, body: { active: false } }; // revoked meanwhile
      await refused(verifier.verify(token), 'token_inactive');
      expect(idp.requests.introspect).toBe(2);
    });

    it("never reuses an answer past the token's exp", async () => {
      const shortLived = await idp.issue({}, { now: clock.now(), lifetimeSec: 10 });
      idp.introspectAnswer = LocalIdp.activeAnswer(shortLived);
      await verifier.verify(shortLived);
      const expMs = (decodeJwt(shortLived).exp as number) * 1000;
      clock.advance(expMs - 1 - clock.now());
      await verifier.verify(shortLived);
      expect(idp.requests.introspect).toBe(1);
      clock.advance(1);
      idp.introspectAnswer = { status: 200, body: { active: false } };
      await refused(verifier.verify(shortLived), 'token_inactive');
      expect(idp.requests.introspect).toBe(2);
    });

    it('shares one request among 20 concurrent verifies of one token', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, () => verifier.verify(token)));
      expect(results.map((p) => p.subject)).toEqual(Array(20).fill('user-1'));
      expect(idp.requests.introspect).toBe(1);
    });

    it('does not remember a failure: the next verify asks again', async () => {
      idp.introspectAnswer = { status: 500, body: {} };
      await unavailable(verifier.verify(token));
      idp.introspectAnswer = LocalIdp.activeAnswer(token);
      await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'user-1' });
      expect(idp.requests.introspect).toBe(2);
    });
  });

  describe('fails closed with 503 IdentityProviderUnavailableError when Keycloak', () => {
    it('is down (server stopped), and recovers by itself when it is back', async () => {
      await idp.stop();
      const error = await unavailable(verifier.verify(token));
      // The realm's keys are what it reaches first (the signature check before introspection).
      expect(error.message).toMatch(
        /^signing keys unavailable: Keycloak unreachable at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED$/,
      );
      await idp.restart();
      await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'user-1' });
    });

    it('resets the connection', async () => {
      idp.behaviour.introspect = 'reset';
      await unavailable(verifier.verify(token));
    });

    it('does not answer within the HTTP timeout', async () => {
      const options = idp.options({ mode: 'introspection', http: { timeoutMs: 150 } });
      const impatient = new KeycloakOAuthClient(options);
      verifier = new IntrospectionTokenVerifier(options.home, options, clock, impatient);
      idp.behaviour.introspect = 'hang';
      const error = await unavailable(verifier.verify(token));
      expect(error.message).toMatch(
        /^Keycloak unreachable at http:\/\/127\.0\.0\.1:\d+: (timed out|UND_ERR_\w+_TIMEOUT)$/,
      );
      await impatient.close();
    });

    it('refuses our own client credentials (HTTP 401 invalid_client): 503 with code idp_rejected_client', async () => {
      idp.introspectAnswer = {
        status: 401,
        body: { error: 'invalid_client', error_description: 'bad secret' },
      };
      const error = await rejectionOf(verifier.verify(token));
      expect(error).toBeInstanceOf(ClientConfigurationError);
      expect(error.getStatus?.()).toBe(503);
      expect(error.code).toBe('idp_rejected_client');
      expect(error.message).toContain('invalid_client: bad secret');
    });

    it.each([
      ['answers HTTP 500', { status: 500, body: { error: 'unknown_error' } }],
      ['answers HTTP 503', { status: 503, body: {} }],
      ['answers HTTP 400 with another error', { status: 400, body: { error: 'unsupported_token_type' } }],
      ['answers a page that is not JSON', { status: 200, body: '<html>proxy error</html>' }],
      ['answers JSON without active', { status: 200, body: { sub: 'user-1' } }],
    ])('%s', async (_name, answer) => {
      idp.introspectAnswer = answer;
      await unavailable(verifier.verify(token));
    });
  });
});

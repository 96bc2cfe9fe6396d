import type { Clock } from '../core/clock';
import type { ResolvedKeycloakAuthOptions } from '../config/keycloak-auth.options';
import { createPublicKey, JsonWebKey } from 'node:crypto';
import { base64url, decodeProtectedHeader, SignJWT } from 'jose';
import { IdentityProviderUnavailableError, InvalidTokenError } from '../core/errors';
import { LocalIdp, TestClock } from '../testing/local-idp';
import { rejectionOf } from '../../../../test/support/rejection';
import { CacheResult, noopKeycloakAuthObserver } from '../transport/keycloak-auth.observer';
import { JwtTokenVerifier } from './jwt-token.verifier';
import { startS2sIdp } from '../../../../test/support/s2s-idp';

/** The jwt-mode verifier of `options`' home realm. */
const jwtVerifier = (options: ResolvedKeycloakAuthOptions, clock: Clock) =>
  new JwtTokenVerifier(options.home, options, clock);

describe('JwtTokenVerifier', () => {
  let idp: LocalIdp;
  let clock: TestClock;
  let verifier: JwtTokenVerifier;

  beforeEach(async () => {
    idp = await startS2sIdp();
    clock = new TestClock();
    verifier = jwtVerifier(idp.options(), clock);
  });
  afterEach(() => idp.stop());

  const now = () => Math.floor(clock.now() / 1000);
  /** Replaces the verifier with one whose cache lookups are recorded, in order, in the returned list. */
  const watchLookups = () => {
    const lookups: CacheResult[] = [];
    const observer = {
      ...noopKeycloakAuthObserver,
      cacheLookup: (e: { result: CacheResult }) => lookups.push(e.result),
    };
    verifier = jwtVerifier(idp.options({ observer }), clock);
    return lookups;
  };
  const issue = (claims: Record<string, unknown> = {}, opts: Parameters<LocalIdp['issue']>[1] = {}) =>
    idp.issue(claims, { now: clock.now(), ...opts });
  const refused = async (token: string, code: string) => {
    const error = await rejectionOf(verifier.verify(token));
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error.code).toBe(code);
    expect(error.getStatus?.()).toBe(401);
  };

  describe('a valid token', () => {
    it('becomes the principal', async () => {
      const token = await issue({ aud: ['service-b', 'account'], jti: 'jti-1' });
      const principal = await verifier.verify(token);
      expect(principal).toEqual({
        subject: 'user-1',
        username: 'alice',
        clientId: 'service-a',
        audience: ['service-b', 'account'],
        scopes: ['orders.read', 'profile'],
        realmRoles: ['orders-user'],
        clientRoles: { 'service-b': ['admin'] },
        issuer: idp.issuer,
        expiresAt: now() + 300,
        issuedAt: now(),
        tokenId: 'jti-1',
        actors: [],
        claims: expect.objectContaining({ typ: 'Bearer', azp: 'service-a' }),
      });
      expect(Object.isFrozen(principal.claims)).toBe(true);
    });

    it('is accepted for any one of the configured audiences', async () => {
      verifier = jwtVerifier(idp.options({ audience: ['orders-api', 'service-b'] }), clock);
      await expect(verifier.verify(await issue({ aud: 'service-b' }))).resolves.toMatchObject({
        audience: ['service-b'],
      });
    });

    it('is verified once: the second verify is a cache hit', async () => {
      const lookups = watchLookups();
      const token = await issue();
      await verifier.verify(token);
      expect(lookups).toEqual(['miss']);
      await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'user-1' });
      expect(lookups).toEqual(['miss', 'hit']);
      expect(idp.requests.jwks).toBe(1);
    });

    it('still verifies from the cache after the JWKS server has stopped', async () => {
      const lookups = watchLookups();
      const token = await issue();
      await verifier.verify(token);
      await idp.stop();
      await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'user-1' });
      expect(lookups).toEqual(['miss', 'hit']);
    });

    it('is served from the cache only until its exp', async () => {
      const token = await issue();
      await verifier.verify(token);
      clock.advance(300_000 + 5_000);
      await refused(token, 'token_expired');
    });
  });

  describe('refuses with 401 a token that is', () => {
    it.each([
      ['expired', { iat: -600, exp: -60 }, 'token_expired'],
      ['not yet valid (nbf in the future)', { nbf: +120 }, 'token_not_yet_valid'],
      ['issued far in the future (iat)', { iat: +3600, exp: +7200 }, 'token_issued_in_future'],
    ])('%s', async (_name, shift, code) => {
      const times = Object.fromEntries(Object.entries(shift).map(([claim, delta]) => [claim, now() + delta]));
      await refused(await issue(times), code);
    });

    it("a DPoP-bound access token (typ DPoP, cnf.jkt, and Keycloak's extra cnf member): accepted", async () => {
      const cnf = { jkt: 'x'.repeat(43), 'kc-jkt-type': 'DPoP' };
      const principal = await verifier.verify(await issue({ typ: 'DPoP', cnf }));
      expect(principal.claims.cnf).toEqual(cnf);
    });

    it('expired only within the clock tolerance: accepted', async () => {
      await expect(verifier.verify(await issue({ iat: now() - 300, exp: now() - 3 }))).resolves.toBeDefined();
    });

    it.each([
      ['from another issuer', { iss: 'http://127.0.0.1:1/realms/other' }, 'token_issuer_invalid'],
      ['meant for another service', { aud: 'service-c' }, 'token_audience_invalid'],
      ['an ID token (typ ID)', { typ: 'ID' }, 'token_type_invalid'],
      ['a refresh token (typ Refresh)', { typ: 'Refresh' }, 'token_type_invalid'],
      ['without typ', { typ: undefined }, 'token_type_invalid'],
      ['typ DPoP without the key it is bound to (no cnf.jkt)', { typ: 'DPoP' }, 'token_type_invalid'],
      ['without sub', { sub: undefined }, 'token_claims_invalid'],
      ['without azp', { azp: undefined }, 'token_claims_invalid'],
      ['without exp', { exp: undefined }, 'token_claims_invalid'],
    ])('%s', async (_name, claims, code) => {
      await refused(await issue(claims), code);
    });

    it('unsigned (alg none)', async () => {
      const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT', kid: 'key-1' }));
      const [, payload] = (await issue()).split('.');
      await refused(`${header}.${payload}.`, 'token_algorithm_not_allowed');
    });

    it('signed with an asymmetric algorithm the options do not list', async () => {
      verifier = jwtVerifier(idp.options({ verification: { algorithms: ['ES256'] } }), clock);
      await refused(await issue(), 'token_algorithm_not_allowed');
    });

    const realmPublicKey = () => createPublicKey({ key: idp.publicJwk() as JsonWebKey, format: 'jwk' });
    it.each([
      ['its PEM', () => realmPublicKey().export({ type: 'spki', format: 'pem' })],
      ['its DER', () => realmPublicKey().export({ type: 'spki', format: 'der' })],
      ['its JWK', () => Buffer.from(JSON.stringify(idp.publicJwk()))],
    ])(
      "HS256-signed with the realm public key's bytes as secret, %s (key confusion)",
      async (_form, bytes) => {
        const secret = new Uint8Array(Buffer.from(bytes()));
        const [, payload] = (await issue()).split('.');
        const token = await new SignJWT(JSON.parse(Buffer.from(payload, 'base64url').toString()))
          .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: 'key-1' })
          .sign(secret);
        await refused(token, 'token_algorithm_not_allowed');
      },
    );

    it('changed in one payload byte', async () => {
      const [header, payload, signature] = (await issue()).split('.');
      const bytes = Buffer.from(payload, 'base64url');
      const at = bytes.indexOf('user-1') + 5;
      bytes[at] = '2'.charCodeAt(0);
      expect(bytes.toString()).toContain('"sub":"user-2"');
      await refused(`${header}.${bytes.toString('base64url')}.${signature}`, 'token_signature_invalid');
    });

    it('signed by a key the JWKS never had, under a published kid', async () => {
      const stranger = await LocalIdp.newKey('key-1');
      await refused(await issue({}, { key: stranger }), 'token_signature_invalid');
    });

    it('signed by a key the JWKS never had, under an unknown kid', async () => {
      const stranger = await LocalIdp.newKey('stranger');
      const token = await issue({}, { key: stranger });
      expect(decodeProtectedHeader(token).kid).toBe('stranger');
      await refused(token, 'token_key_unknown');
    });

    it.each([
      ['a word', 'garbage'],
      ['three parts that are not JSON', 'a.b.c'],
      ['two parts', 'a.b'],
      ['oversized', `${'x'.repeat(20_000)}.y.z`],
    ])('not a JWT: %s', async (_name, garbage) => {
      await refused(garbage, 'token_malformed');
      expect(idp.requests.jwks).toBe(0);
    });
  });

  describe('key rotation', () => {
    it('accepts a token whose new kid the JWKS now serves, after one refetch', async () => {
      verifier = jwtVerifier(idp.options({ jwks: { cooldownMs: 0 } }), clock);
      await verifier.verify(await issue());
      expect(idp.requests.jwks).toBe(1);
      await idp.addKey('key-2');
      await expect(verifier.verify(await issue({}, { key: 'key-2' }))).resolves.toMatchObject({
        subject: 'user-1',
      });
      expect(idp.requests.jwks).toBe(2);
    });

    it('refetches the JWKS at most once for a flood of 50 unknown kids (cooldown)', async () => {
      await verifier.verify(await issue());
      const fetchesBefore = idp.requests.jwks;
      const stranger = await LocalIdp.newKey('stranger');
      const flood = await Promise.all(
        Array.from({ length: 50 }, () => issue({}, { key: stranger, kid: `kid-${Math.random()}` })),
      );
      for (const token of flood) await refused(token, 'token_key_unknown');
      expect(idp.requests.jwks - fetchesBefore).toBeLessThanOrEqual(1);
    });

    it('drops a key Keycloak removed once the JWKS is older than jwks.cacheMaxAgeMs, not before', async () => {
      // Keycloak rotated: key-2 signs, key-1 is disabled and no longer published. A token of key-1 that this
      // service never saw still verifies with the cached JWKS until it is refetched.
      // jose ages the JWKS by Date.now(): a fake Date (nothing else faked) moves past the age without waiting, so a
      // busy machine cannot make the first verification below fall outside the window.
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        verifier = jwtVerifier(idp.options({ jwks: { cacheMaxAgeMs: 300 } }), clock);
        await verifier.verify(await issue());
        const oldKeyTokens = [await issue({ jti: 'a' }), await issue({ jti: 'b' })];
        await idp.addKey('key-2');
        idp.jwksAnswer = { status: 200, body: { keys: [idp.publicJwk('key-2')] } };
        const fetchedAt = Date.now();
        vi.setSystemTime(fetchedAt + 299);
        await expect(verifier.verify(oldKeyTokens[0])).resolves.toMatchObject({ tokenId: 'a' });
        expect(idp.requests.jwks).toBe(1);
        vi.setSystemTime(fetchedAt + 301);
        await refused(oldKeyTokens[1], 'token_key_unknown');
        expect(idp.requests.jwks).toBe(2);
        await expect(verifier.verify(await issue({}, { key: 'key-2' }))).resolves.toMatchObject({
          subject: 'user-1',
        });
      } finally {
        vi.useRealTimers();
      }
    });

    it('without a cooldown the same flood would refetch each time (the bound above is the cooldown)', async () => {
      verifier = jwtVerifier(idp.options({ jwks: { cooldownMs: 0 } }), clock);
      await verifier.verify(await issue());
      const stranger = await LocalIdp.newKey('stranger');
      for (let i = 0; i < 5; i++)
        await refused(await issue({}, { key: stranger, kid: `kid-${i}` }), 'token_key_unknown');
      expect(idp.requests.jwks).toBe(6);
    });
  });

  describe('fails closed with 503 for a token not seen before when the JWKS', () => {
    const unavailable = async (token: string) => {
      const error = await rejectionOf(verifier.verify(token));
      expect(error).toBeInstanceOf(IdentityProviderUnavailableError);
      expect(error.getStatus?.()).toBe(503);
      expect(error.code).toBe('idp_unavailable');
    };

    it('server is unreachable', async () => {
      const token = await issue();
      await idp.stop();
      await unavailable(token);
    });

    it('connection is reset', async () => {
      idp.behaviour.jwks = 'reset';
      await unavailable(await issue());
    });

    it('does not answer within the HTTP timeout', async () => {
      verifier = jwtVerifier(idp.options({ http: { timeoutMs: 150 } }), clock);
      idp.behaviour.jwks = 'hang';
      await unavailable(await issue());
      expect(idp.requests.jwks).toBe(1);
    });

    it.each([[500], [503]])('answers HTTP %s', async (status) => {
      idp.jwksAnswer = { status, body: { error: 'unknown_error' } };
      await unavailable(await issue());
    });

    it('answers a page that is not JSON', async () => {
      idp.jwksAnswer = { status: 200, body: '<html>proxy error</html>' };
      await unavailable(await issue());
    });

    it('answers something that is not a key set', async () => {
      idp.jwksAnswer = { status: 200, body: { keys: 'none' } };
      await unavailable(await issue());
    });
  });
});

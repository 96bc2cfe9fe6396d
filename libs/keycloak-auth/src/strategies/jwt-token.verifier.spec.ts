import { SignJWT, base64url } from 'jose';
import { IdentityProviderUnavailableError, InvalidTokenError } from '../errors';
import { LocalIdp, rejectionOf, TestClock } from '../../test/local-idp';
import { JwtTokenVerifier } from './jwt-token.verifier';

describe('JwtTokenVerifier', () => {
  let idp: LocalIdp;
  let clock: TestClock;
  let verifier: JwtTokenVerifier;

  beforeEach(async () => {
    idp = await LocalIdp.start();
    clock = new TestClock();
    verifier = new JwtTokenVerifier(idp.options({ jwksCooldownMs: 200 }), clock);
  });
  afterEach(() => idp.stop());

  const refused = async (token: string, code: string) => {
    const error = await rejectionOf(verifier.verify(token));
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error.code).toBe(code);
    expect(error.getStatus?.()).toBe(401);
  };

  it('turns a valid token into the principal', async () => {
    const principal = await verifier.verify(await idp.sign(idp.claims(clock.now())));
    expect(principal).toMatchObject({
      subject: 'user-1',
      username: 'alice',
      clientId: 'service-a',
      audience: ['service-b'],
      scopes: ['orders.read', 'profile'],
      realmRoles: ['orders-user'],
      clientRoles: { 'service-b': ['admin'] },
      issuer: idp.issuer,
    });
  });

  it('verifies a token once and serves it from the cache until exp, even with Keycloak gone', async () => {
    const token = await idp.sign(idp.claims(clock.now()));
    await verifier.verify(token);
    await idp.stop();
    await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'user-1' });
    expect(verifier.cacheStats).toEqual({ hits: 1, misses: 1 });
    idp = await LocalIdp.start(); // for afterEach
  });

  it('stops serving a cached token once it has expired', async () => {
    const token = await idp.sign(idp.claims(clock.now()));
    await verifier.verify(token);
    clock.advance(301_000 + 5_000);
    await refused(token, 'token_expired');
  });

  it.each([
    ['expired', { exp: -10 }, 'token_expired'],
    ['nbf in the future', { nbf: +120 }, 'token_not_yet_valid'],
    ['iat far in the future', { iat: +3600, exp: +7200 }, 'token_issued_in_future'],
  ])('refuses a token %s', async (_name, shift, code) => {
    const now = Math.floor(clock.now() / 1000);
    const times = Object.fromEntries(Object.entries(shift).map(([k, v]) => [k, now + v]));
    await refused(await idp.sign(idp.claims(clock.now(), times)), code);
  });

  it.each([
    ['another issuer (realm)', { iss: 'http://127.0.0.1:1/realms/other' }, 'token_issuer_invalid'],
    ['another audience', { aud: 'service-c' }, 'token_audience_invalid'],
    ['an ID token', { typ: 'ID' }, 'token_type_invalid'],
    ['a refresh token', { typ: 'Refresh' }, 'token_type_invalid'],
    ['no azp', { azp: undefined }, 'token_claims_invalid'],
    ['no sub', { sub: undefined }, 'token_claims_invalid'],
  ])('refuses %s', async (_name, overrides, code) => {
    await refused(await idp.sign(idp.claims(clock.now(), overrides)), code);
  });

  it('refuses alg none', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT', kid: 'key-1' }));
    const payload = base64url.encode(JSON.stringify(idp.claims(clock.now())));
    await refused(`${header}.${payload}.`, 'token_algorithm_not_allowed');
  });

  it("refuses HS256 signed with the realm's public key (key confusion)", async () => {
    const secret = new TextEncoder().encode(JSON.stringify(idp.publicJwk()));
    const token = await new SignJWT(idp.claims(clock.now()))
      .setProtectedHeader({ alg: 'HS256', kid: 'key-1' })
      .sign(secret);
    await refused(token, 'token_algorithm_not_allowed');
  });

  it('refuses a token with one payload byte changed', async () => {
    const [h, p, s] = (await idp.sign(idp.claims(clock.now()))).split('.');
    const changed = Buffer.from(p, 'base64url').toString().replace('"user-1"', '"user-2"');
    await refused(`${h}.${Buffer.from(changed).toString('base64url')}.${s}`, 'token_signature_invalid');
  });

  it('refuses a token signed by a key the realm never had, under a known kid', async () => {
    const stranger = await LocalIdp.newKey('key-1');
    await refused(await idp.sign(idp.claims(clock.now()), stranger), 'token_signature_invalid');
  });

  it('refuses garbage without asking Keycloak', async () => {
    await refused('garbage', 'token_malformed');
    await refused('a.b.c', 'token_malformed');
    expect(idp.requests.jwks).toBe(0);
  });

  it('accepts a token signed with a key rotated in after the JWKS was cached (one refetch)', async () => {
    await verifier.verify(await idp.sign(idp.claims(clock.now())));
    expect(idp.requests.jwks).toBe(1);
    await idp.addKey('key-2');
    await new Promise((resolve) => setTimeout(resolve, 250)); // past the cooldown of the first fetch
    await expect(verifier.verify(await idp.sign(idp.claims(clock.now()), 'key-2'))).resolves.toBeDefined();
    expect(idp.requests.jwks).toBe(2);
  });

  it('refetches the JWKS at most once for a flood of unknown kids', async () => {
    await verifier.verify(await idp.sign(idp.claims(clock.now())));
    const fetchesBefore = idp.requests.jwks;
    const stranger = await LocalIdp.newKey('stranger');
    for (let i = 0; i < 50; i++) {
      await refused(await idp.sign(idp.claims(clock.now()), stranger, `random-${i}`), 'token_key_unknown');
    }
    expect(idp.requests.jwks - fetchesBefore).toBeLessThanOrEqual(1);
  });

  it('answers 503 (fail closed) when the JWKS cannot be fetched for a token not seen before', async () => {
    const token = await idp.sign(idp.claims(clock.now()));
    await idp.stop();
    const error = await rejectionOf(verifier.verify(token));
    expect(error).toBeInstanceOf(IdentityProviderUnavailableError);
    expect(error.getStatus?.()).toBe(503);
    idp = await LocalIdp.start();
  });
});

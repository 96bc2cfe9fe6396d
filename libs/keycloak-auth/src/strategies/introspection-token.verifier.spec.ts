import { IdentityProviderUnavailableError, InvalidTokenError } from '../errors';
import { KeycloakHttpClient } from '../http/keycloak-http.client';
import { LocalIdp, rejectionOf, TestClock } from '../../test/local-idp';
import { IntrospectionTokenVerifier } from './introspection-token.verifier';

describe('IntrospectionTokenVerifier', () => {
  let idp: LocalIdp;
  let clock: TestClock;
  let http: KeycloakHttpClient;
  let verifier: IntrospectionTokenVerifier;
  let token: string;

  beforeEach(async () => {
    idp = await LocalIdp.start();
    clock = new TestClock();
    http = new KeycloakHttpClient(1000);
    verifier = new IntrospectionTokenVerifier(
      idp.options({ mode: 'introspection', introspectionCacheTtlSec: 30 }),
      clock,
      http,
    );
    const claims = idp.claims(clock.now());
    token = await idp.sign(claims);
    idp.introspectAnswer = { status: 200, body: { ...claims, active: true, client_id: 'service-a' } };
  });
  afterEach(async () => {
    await http.close();
    await idp.stop();
  });

  it('turns an active answer into the principal, asking as service-b with HTTP Basic', async () => {
    await expect(verifier.verify(token)).resolves.toMatchObject({
      subject: 'user-1',
      clientId: 'service-a',
      scopes: ['orders.read', 'profile'],
    });
    expect(idp.forms.introspect[0].get('token')).toBe(token);
    expect(idp.authorizations[0]).toBe(`Basic ${Buffer.from('service-b:b-secret').toString('base64')}`);
  });

  it('refuses an inactive token with 401 token_inactive', async () => {
    idp.introspectAnswer = { status: 200, body: { active: false } };
    const error = await rejectionOf(verifier.verify(token));
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error.code).toBe('token_inactive');
  });

  it('refuses an active token meant for another service', async () => {
    const claims = idp.claims(clock.now(), { aud: 'service-c' });
    idp.introspectAnswer = { status: 200, body: { ...claims, active: true } };
    expect((await rejectionOf(verifier.verify(await idp.sign(claims)))).code).toBe('token_audience_invalid');
  });

  it('reuses an answer within the TTL and asks again after it', async () => {
    await verifier.verify(token);
    clock.advance(29_000);
    await verifier.verify(token);
    expect(idp.requests.introspect).toBe(1);
    clock.advance(2_000);
    await verifier.verify(token);
    expect(idp.requests.introspect).toBe(2);
  });

  it("never reuses an answer past the token's exp", async () => {
    const claims = idp.claims(clock.now(), { exp: Math.floor(clock.now() / 1000) + 10 });
    const shortLived = await idp.sign(claims);
    idp.introspectAnswer = { status: 200, body: { ...claims, active: true } };
    await verifier.verify(shortLived);
    clock.advance(11_000);
    idp.introspectAnswer = { status: 200, body: { active: false } };
    expect((await rejectionOf(verifier.verify(shortLived))).code).toBe('token_inactive');
    expect(idp.requests.introspect).toBe(2);
  });

  it('shares one request among concurrent checks of one token', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => verifier.verify(token)));
    expect(results.every((p) => p.subject === 'user-1')).toBe(true);
    expect(idp.requests.introspect).toBe(1);
  });

  it('refuses garbage without asking Keycloak', async () => {
    expect((await rejectionOf(verifier.verify('not a token'))).code).toBe('token_malformed');
    expect(idp.requests.introspect).toBe(0);
  });

  it('fails closed with 503 when Keycloak answers 500', async () => {
    idp.introspectAnswer = { status: 500, body: { error: 'unknown_error' } };
    const error = await rejectionOf(verifier.verify(token));
    expect(error).toBeInstanceOf(IdentityProviderUnavailableError);
    expect(error.getStatus?.()).toBe(503);
  });

  it('fails closed with 503 while Keycloak is unreachable and recovers by itself when it is back', async () => {
    await idp.stop();
    expect((await rejectionOf(verifier.verify(token))).getStatus?.()).toBe(503);
    await idp.restart();
    await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'user-1' });
  });
});

import { decodeJwt, generateKeyPair } from 'jose';
import {
  ClientConfigurationError,
  IdentityProviderUnavailableError,
  TokenEndpointError,
} from '../core/errors';
import { KeycloakOAuthClient } from './keycloak-oauth.client';
import { LocalIdp, TestClock } from '../testing/local-idp';
import { rejectionOf } from '../../../../test/support/rejection';
import { TokenExchangeService } from './token-exchange.service';
import { startS2sIdp } from '../../../../test/support/s2s-idp';

describe('TokenExchangeService', () => {
  let idp: LocalIdp;
  let oauth: KeycloakOAuthClient;
  let clock: TestClock;
  let service: TokenExchangeService;
  let issued: number;
  let subject: string;
  const target = { audience: 'service-c', scope: 'analytics.run service-c-audience' };

  beforeEach(async () => {
    idp = await startS2sIdp();
    clock = new TestClock();
    const options = idp.options({ http: { timeoutMs: 1000 } });
    oauth = new KeycloakOAuthClient(options, undefined, await generateKeyPair('ES256'));
    service = new TokenExchangeService(options, clock, oauth);
    issued = 0;
    idp.tokenAnswer = () => ({
      status: 200,
      body: { access_token: `for-c-${++issued}`, token_type: 'Bearer', expires_in: 300 },
    });
    subject = await idp.issue({}, { now: clock.now() });
  });
  afterEach(async () => {
    await oauth.close();
    await idp.stop();
  });

  it('sends an RFC 8693 request with the incoming token itself as subject_token, as service-b', async () => {
    await expect(service.exchange(subject, target)).resolves.toBe('for-c-1');
    expect(Object.fromEntries(idp.forms.token[0])).toEqual({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: subject,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      audience: 'service-c',
      scope: 'analytics.run service-c-audience',
    });
    expect(idp.authorizations[0]).toBe(`Basic ${Buffer.from('service%2Db:b%2Dsecret').toString('base64')}`);
  });

  it('sends a DPoP proof with the exchange when the target asks for a bound token, none otherwise', async () => {
    await service.exchange(subject, { ...target, dpop: true });
    expect(decodeJwt(idp.dpopProofs[0])).toMatchObject({
      htm: 'POST',
      htu: oauth.options.home.endpoints.token,
    });
    await service.exchange(subject, target);
    // A bound and a bearer exchange of one subject are cached apart.
    expect(idp.requests.token).toBe(2);
    expect(idp.dpopProofs[1]).toBe('');
  });

  it('sends no scope when the target names none', async () => {
    await service.exchange(subject, { audience: 'service-c' });
    expect(idp.forms.token[0].has('scope')).toBe(false);
  });

  it('reuses an exchanged token for the same subject, audience and scope', async () => {
    await service.exchange(subject, target);
    await expect(service.exchange(subject, { ...target })).resolves.toBe('for-c-1');
    expect(idp.requests.token).toBe(1);
  });

  it('makes a new request for another subject, audience or scope', async () => {
    const other = await idp.issue({ sub: 'user-2' }, { now: clock.now() });
    await expect(service.exchange(subject, target)).resolves.toBe('for-c-1');
    await expect(service.exchange(other, target)).resolves.toBe('for-c-2');
    await expect(service.exchange(subject, { ...target, scope: 'service-c-audience' })).resolves.toBe(
      'for-c-3',
    );
    await expect(service.exchange(subject, { ...target, audience: 'service-d' })).resolves.toBe('for-c-4');
    expect(idp.requests.token).toBe(4);
    expect(idp.forms.token[1].get('subject_token')).toBe(other);
  });

  it('exchanges again after the cached exchange is invalidated, and keeps other targets cached', async () => {
    await service.exchange(subject, target);
    await service.exchange(subject, { audience: 'service-d' });
    service.invalidate(subject, target);
    await expect(service.exchange(subject, target)).resolves.toBe('for-c-3');
    await expect(service.exchange(subject, { audience: 'service-d' })).resolves.toBe('for-c-2');
    expect(idp.requests.token).toBe(3);
  });

  it('exchanges again once the exchanged token is due for renewal', async () => {
    await service.exchange(subject, target);
    clock.advance(270_000 - 1);
    await expect(service.exchange(subject, target)).resolves.toBe('for-c-1');
    clock.advance(1);
    await expect(service.exchange(subject, target)).resolves.toBe('for-c-2');
  });

  it('answers a cached exchange at once for its subject, target and binding only, until renewal is due', async () => {
    expect(service.cachedExchange(subject, target)).toBeUndefined();
    const pending = service.exchange(subject, target);
    expect(service.cachedExchange(subject, target)).toBeUndefined(); // still under way: only exchange() waits for it
    await pending;
    expect(service.cachedExchange(subject, { ...target })).toBe('for-c-1');
    expect(service.cachedExchange(subject, { ...target, dpop: true })).toBeUndefined();
    expect(service.cachedExchange(subject, { ...target, audience: 'service-d' })).toBeUndefined();
    expect(
      service.cachedExchange(await idp.issue({ sub: 'user-2' }, { now: clock.now() }), target),
    ).toBeUndefined();
    clock.advance(270_000);
    expect(service.cachedExchange(subject, target)).toBeUndefined();
    expect(idp.requests.token).toBe(1);
  });

  it('shares one exchange among concurrent requests for one token and target', async () => {
    const tokens = await Promise.all(Array.from({ length: 10 }, () => service.exchange(subject, target)));
    expect(tokens).toEqual(Array(10).fill('for-c-1'));
    expect(idp.requests.token).toBe(1);
  });

  it.each([
    ['invalid_grant (subject token refused)', 401, 'exchange_subject_rejected', 400, 'invalid_grant'],
    ['access_denied (exchange not allowed)', 403, 'exchange_denied', 403, 'access_denied'],
    ['invalid_request', 502, 'exchange_failed', 400, 'invalid_request'],
  ])('maps %s to TokenEndpointError %s %s', async (_name, expected, code, status, oauthError) => {
    idp.tokenAnswer = { status, body: { error: oauthError, error_description: 'refused' } };
    const error = await rejectionOf(service.exchange(subject, target));
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect(error.getStatus?.()).toBe(expected);
    expect(error.code).toBe(code);
    expect((error as TokenEndpointError).oauthError).toBe(oauthError);
  });

  it('maps invalid_client (our secret refused) to ClientConfigurationError 503 idp_rejected_client, not an outage', async () => {
    idp.tokenAnswer = { status: 401, body: { error: 'invalid_client', error_description: 'refused' } };
    const error = await rejectionOf(service.exchange(subject, target));
    expect(error).toBeInstanceOf(ClientConfigurationError);
    expect(error).not.toBeInstanceOf(IdentityProviderUnavailableError);
    expect(error.getStatus?.()).toBe(503);
    expect(error.code).toBe('idp_rejected_client');
    expect((error as ClientConfigurationError).oauthError).toBe('invalid_client');
  });

  it.each([
    ['its subject token (Keycloak: "Invalid token")', 'Invalid token', 401, 'exchange_subject_rejected'],
    [
      'a DPoP-bound subject token (Keycloak 26.7 exchanges none)',
      'Sender-constrained token exchange rejected as the token was not issued for the requesting client',
      401,
      'exchange_subject_rejected',
    ],
    ['the requested audience', 'Requested audience not available: service-c', 502, 'exchange_failed'],
  ])(
    'maps invalid_request about %s to %s %s (RFC 8693 §2.2.2 reports an invalid subject_token so)',
    async (_name, description, expected, code) => {
      idp.tokenAnswer = { status: 400, body: { error: 'invalid_request', error_description: description } };
      const error = (await rejectionOf(service.exchange(subject, target))) as TokenEndpointError;
      expect(error.getStatus()).toBe(expected);
      expect(error.code).toBe(code);
      expect(error.message).toContain(description);
    },
  );

  it('answers a refused subject with an invalid_token challenge and a denied exchange with insufficient_scope', async () => {
    idp.tokenAnswer = { status: 400, body: { error: 'invalid_grant', error_description: 'Invalid token' } };
    const rejected = (await rejectionOf(service.exchange(subject, target))) as TokenEndpointError;
    expect(rejected.wwwAuthenticate('s2s')).toMatch(/^Bearer realm="s2s", error="invalid_token", /);
    idp.tokenAnswer = { status: 403, body: { error: 'access_denied' } };
    const denied = (await rejectionOf(service.exchange(subject, target))) as TokenEndpointError;
    expect(denied.wwwAuthenticate('s2s')).toMatch(/^Bearer realm="s2s", error="insufficient_scope", /);
  });

  it('maps a Keycloak 500 to 503 IdentityProviderUnavailableError and does not cache it', async () => {
    idp.tokenAnswer = { status: 500, body: { error: 'unknown_error' } };
    const error = await rejectionOf(service.exchange(subject, target));
    expect(error).toBeInstanceOf(IdentityProviderUnavailableError);
    expect(error.getStatus?.()).toBe(503);
    idp.tokenAnswer = {
      status: 200,
      body: { access_token: 'recovered', token_type: 'Bearer', expires_in: 300 },
    };
    await expect(service.exchange(subject, target)).resolves.toBe('recovered');
  });

  it('maps a reset connection to 503 after a single attempt', async () => {
    idp.behaviour.token = 'reset';
    expect(await rejectionOf(service.exchange(subject, target))).toBeInstanceOf(
      IdentityProviderUnavailableError,
    );
    expect(idp.requests.token).toBe(1);
  });
});

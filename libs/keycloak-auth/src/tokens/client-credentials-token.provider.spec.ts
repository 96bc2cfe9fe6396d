import { IdentityProviderUnavailableError, TokenEndpointError } from '../errors';
import { KeycloakHttpClient } from '../http/keycloak-http.client';
import { LocalIdp, rejectionOf, TestClock } from '../../test/local-idp';
import { ClientCredentialsTokenProvider } from './client-credentials-token.provider';
import { TokenEndpointClient } from './token-endpoint.client';

describe('ClientCredentialsTokenProvider', () => {
  let idp: LocalIdp;
  let clock: TestClock;
  let http: KeycloakHttpClient;
  let provider: ClientCredentialsTokenProvider;
  let issued = 0;

  beforeEach(async () => {
    idp = await LocalIdp.start();
    clock = new TestClock();
    http = new KeycloakHttpClient(1000);
    const options = idp.options({
      clientId: 'service-a',
      clientSecret: 'a-secret',
      refreshMarginSec: 30,
      refreshFraction: 0.1,
    });
    provider = new ClientCredentialsTokenProvider(options, clock, new TokenEndpointClient(options, http));
    issued = 0;
    idp.tokenAnswer = () => ({ status: 200, body: { access_token: `token-${++issued}`, expires_in: 300 } });
  });
  afterEach(async () => {
    await http.close();
    await idp.stop();
  });

  it('asks for client_credentials as service-a with HTTP Basic', async () => {
    await expect(provider.getToken()).resolves.toBe('token-1');
    expect(idp.forms.token[0].get('grant_type')).toBe('client_credentials');
    expect(idp.authorizations[0]).toBe(`Basic ${Buffer.from('service-a:a-secret').toString('base64')}`);
  });

  it('serves the cached token and renews it 30 s before it expires, not earlier', async () => {
    await provider.getToken();
    clock.advance(269_000);
    await expect(provider.getToken()).resolves.toBe('token-1');
    clock.advance(2_000);
    await expect(provider.getToken()).resolves.toBe('token-2');
    expect(idp.requests.token).toBe(2);
  });

  it('renews at 10 % of the lifetime left when that is more than the margin', async () => {
    idp.tokenAnswer = () => ({ status: 200, body: { access_token: `token-${++issued}`, expires_in: 3600 } });
    await provider.getToken();
    clock.advance(3_239_000);
    await expect(provider.getToken()).resolves.toBe('token-1');
    clock.advance(2_000);
    await expect(provider.getToken()).resolves.toBe('token-2');
  });

  it('shares one request among concurrent callers', async () => {
    const tokens = await Promise.all(Array.from({ length: 10 }, () => provider.getToken()));
    expect(new Set(tokens)).toEqual(new Set(['token-1']));
    expect(idp.requests.token).toBe(1);
  });

  it('retries while Keycloak answers 503, then succeeds', async () => {
    let calls = 0;
    idp.tokenAnswer = () =>
      ++calls < 3
        ? { status: 503, body: {} }
        : { status: 200, body: { access_token: 'late', expires_in: 300 } };
    await expect(provider.getToken()).resolves.toBe('late');
    expect(idp.requests.token).toBe(3);
  });

  it('fails at once, without retrying, when Keycloak refuses the client secret', async () => {
    idp.tokenAnswer = {
      status: 401,
      body: { error: 'invalid_client', error_description: 'Invalid client credentials' },
    };
    const error = await rejectionOf(provider.getToken());
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect(error.code).toBe('idp_rejected_client');
    expect(error.getStatus?.()).toBe(502);
    expect(idp.requests.token).toBe(1);
  });

  it('reports an unreachable Keycloak as 503 after its retries', async () => {
    await idp.stop();
    const error = await rejectionOf(provider.getToken());
    expect(error).toBeInstanceOf(IdentityProviderUnavailableError);
    await idp.restart();
  });
});

import { KeycloakHttpClient } from '../http/keycloak-http.client';
import { LocalIdp, rejectionOf, TestClock } from '../../test/local-idp';
import { TokenEndpointClient } from '../tokens/token-endpoint.client';
import { TokenExchangeService } from './token-exchange.service';

describe('TokenExchangeService', () => {
  let idp: LocalIdp;
  let http: KeycloakHttpClient;
  let clock: TestClock;
  let service: TokenExchangeService;
  let issued = 0;
  const target = { audience: 'service-c', scope: 'analytics.run service-c-audience' };

  beforeEach(async () => {
    idp = await LocalIdp.start();
    http = new KeycloakHttpClient(1000);
    clock = new TestClock();
    const options = idp.options();
    service = new TokenExchangeService(options, clock, new TokenEndpointClient(options, http));
    issued = 0;
    idp.tokenAnswer = () => ({ status: 200, body: { access_token: `for-c-${++issued}`, expires_in: 300 } });
  });
  afterEach(async () => {
    await http.close();
    await idp.stop();
  });

  it('sends an RFC 8693 request with the incoming token itself as subject_token', async () => {
    await expect(service.exchange('incoming.jwt.token', target)).resolves.toBe('for-c-1');
    const form = Object.fromEntries(idp.forms.token[0]);
    expect(form).toEqual({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: 'incoming.jwt.token',
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      audience: 'service-c',
      scope: 'analytics.run service-c-audience',
    });
    expect(idp.authorizations[0]).toBe(`Basic ${Buffer.from('service-b:b-secret').toString('base64')}`);
  });

  it('reuses an exchanged token per subject and target until shortly before it expires', async () => {
    await service.exchange('subject-1', target);
    await expect(service.exchange('subject-1', target)).resolves.toBe('for-c-1');
    await expect(service.exchange('subject-2', target)).resolves.toBe('for-c-2');
    await expect(service.exchange('subject-1', { ...target, scope: 'service-c-audience' })).resolves.toBe(
      'for-c-3',
    );
    clock.advance(271_000);
    await expect(service.exchange('subject-1', target)).resolves.toBe('for-c-4');
    expect(idp.requests.token).toBe(4);
  });

  it.each([
    [400, 'invalid_grant', 401, 'exchange_subject_rejected'],
    [403, 'access_denied', 403, 'exchange_denied'],
    [400, 'invalid_request', 502, 'exchange_failed'],
    [500, 'unknown_error', 503, 'idp_unavailable'],
  ])('maps Keycloak %s %s to %s (%s)', async (status, error, expected, code) => {
    idp.tokenAnswer = { status, body: { error, error_description: 'refused' } };
    const failure = await rejectionOf(service.exchange('subject', target));
    expect(failure.getStatus?.()).toBe(expected);
    expect(failure.code).toBe(code);
  });
});

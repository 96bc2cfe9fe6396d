import { TokenEndpointError } from '../errors';
import { KeycloakHttpClient } from '../http/keycloak-http.client';
import { LocalIdp, rejectionOf } from '../../test/local-idp';
import { renewAt, TokenEndpointClient } from './token-endpoint.client';

describe('TokenEndpointClient', () => {
  let idp: LocalIdp;
  let http: KeycloakHttpClient;
  beforeEach(async () => {
    idp = await LocalIdp.start();
    http = new KeycloakHttpClient(1000);
  });
  afterEach(async () => {
    await http.close();
    await idp.stop();
  });

  it('identifies a public client by client_id in the form when it has no secret', async () => {
    const client = new TokenEndpointClient(idp.options({ clientSecret: undefined }), http);
    await client.request({ grant_type: 'client_credentials' });
    expect(idp.authorizations[0]).toBe('');
    expect(idp.forms.token[0].get('client_id')).toBe('service-b');
  });

  it('takes a missing expires_in as 60 s and keeps the granted scope', async () => {
    idp.tokenAnswer = { status: 200, body: { access_token: 't', scope: 'profile' } };
    const client = new TokenEndpointClient(idp.options(), http);
    await expect(client.request({ grant_type: 'client_credentials' })).resolves.toEqual({
      accessToken: 't',
      expiresIn: 60,
      scope: 'profile',
    });
  });

  it.each([
    ['an unknown OAuth error', 'exchange_failed', 'invalid_scope', 400, { error: 'invalid_scope' }],
    ['a 200 without access_token', 'exchange_failed', 'http_200', 200, { token_type: 'Bearer' }],
    ['a 404 page', 'exchange_failed', 'http_404', 404, '<html>not found</html>'],
    [
      '"Invalid token" outside an exchange (no subject token to blame)',
      'exchange_failed',
      'invalid_request',
      400,
      { error: 'invalid_request', error_description: 'Invalid token' },
    ],
    [
      'unauthorized_client',
      'idp_rejected_client',
      'unauthorized_client',
      400,
      { error: 'unauthorized_client' },
    ],
  ])('reports %s as 502 %s (%s)', async (_name, code, oauthError, status, body) => {
    idp.tokenAnswer = { status, body };
    const client = new TokenEndpointClient(idp.options(), http);
    const error = await rejectionOf(client.request({ grant_type: 'client_credentials' }));
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect(error.getStatus?.()).toBe(502);
    expect(error.code).toBe(code);
    expect((error as TokenEndpointError).oauthError).toBe(oauthError);
    expect((error as TokenEndpointError).wwwAuthenticate('s2s')).toBeUndefined();
  });
});

describe('renewAt', () => {
  it.each([
    [300, 270_000],
    [3600, 3_240_000],
    [40, 20_000],
  ])(
    'renews a %s s token %s ms after issue (margin 30 s, fraction 0.1, never before half its life)',
    (sec, at) => {
      expect(renewAt(0, sec, 30, 0.1)).toBe(at);
    },
  );
});

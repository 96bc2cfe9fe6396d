import type { KeycloakAuthOptions } from '../config/keycloak-auth.options';
import { ClientConfigurationError, TokenEndpointError } from '../core/errors';
import { ACCESS_TOKEN_TYPE } from '../core/constants';
import { LocalIdp } from '../testing/local-idp';
import { rejectionOf } from '../../../../test/support/rejection';
import { KeycloakOAuthClient } from './keycloak-oauth.client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { addClientKey } from '../keys/client-key-file';
import { ClientKeySet } from '../keys/client-key-set';
import { privateKeyJwt } from './private-key-jwt';
import { startS2sIdp } from '../../../../test/support/s2s-idp';

describe('KeycloakOAuthClient', () => {
  let idp: LocalIdp;
  let client: KeycloakOAuthClient | undefined;
  const clientWith = (overrides: Partial<KeycloakAuthOptions> = {}) =>
    (client = new KeycloakOAuthClient(idp.options({ http: { timeoutMs: 1000 }, ...overrides })));

  beforeEach(async () => {
    idp = await startS2sIdp();
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
    await idp.stop();
  });

  it('identifies a public client by client_id in the form when it has no secret', async () => {
    await clientWith({ clientAuth: undefined }).clientCredentials();
    expect(idp.authorizations[0]).toBe('');
    expect(idp.forms.token[0].get('client_id')).toBe('service-b');
  });

  it('takes a missing expires_in as 60 s and keeps the granted scope', async () => {
    idp.tokenAnswer = { status: 200, body: { access_token: 't', token_type: 'Bearer', scope: 'profile' } };
    await expect(clientWith().clientCredentials()).resolves.toEqual({
      accessToken: 't',
      expiresIn: 60,
      scope: 'profile',
    });
  });

  it('refuses an unknown clientAuth method at start, naming the key', () => {
    expect(() => idp.options({ clientAuth: { method: 'client_secret_jwt' } as never })).toThrow(
      /clientAuth\.method: must be one of client_secret_basic, private_key_jwt/,
    );
  });

  it.each([
    ['an unknown OAuth error', 'client_credentials_failed', 'invalid_scope', 400, { error: 'invalid_scope' }],
    [
      'a 200 without access_token',
      'client_credentials_failed',
      'invalid_response',
      200,
      { token_type: 'Bearer' },
    ],
    ['a 404 page', 'client_credentials_failed', 'http_404', 404, '<html>not found</html>'],
    [
      '"Invalid token" outside an exchange (no subject token to blame)',
      'client_credentials_failed',
      'invalid_request',
      400,
      { error: 'invalid_request', error_description: 'Invalid token' },
    ],
  ])('reports %s as 502 %s (%s)', async (_name, code, oauthError, status, body) => {
    idp.tokenAnswer = { status, body };
    const error = await rejectionOf(clientWith().clientCredentials());
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect(error.getStatus?.()).toBe(502);
    expect(error.code).toBe(code);
    expect((error as TokenEndpointError).oauthError).toBe(oauthError);
    expect((error as TokenEndpointError).wwwAuthenticate('s2s')).toBeUndefined();
  });

  it.each(['invalid_client', 'unauthorized_client'])(
    'reports %s (Keycloak refused this service itself) as 503 idp_rejected_client, without a challenge',
    async (oauthError) => {
      idp.tokenAnswer = { status: oauthError === 'invalid_client' ? 401 : 400, body: { error: oauthError } };
      const error = await rejectionOf(clientWith().clientCredentials());
      expect(error).toBeInstanceOf(ClientConfigurationError);
      expect(error.getStatus?.()).toBe(503);
      expect(error.code).toBe('idp_rejected_client');
      expect((error as ClientConfigurationError).getResponse()).toMatchObject({ error: 'idp_unavailable' });
      expect((error as ClientConfigurationError).oauthError).toBe(oauthError);
      expect((error as ClientConfigurationError).wwwAuthenticate('s2s')).toBeUndefined();
    },
  );

  it('reads an OAuth error from a WWW-Authenticate challenge (RFC 6750 §3) like one in the body', async () => {
    idp.tokenAnswer = {
      status: 401,
      body: {},
      headers: { 'www-authenticate': 'Basic realm="s2s", error="invalid_client"' },
    };
    const error = await rejectionOf(clientWith().clientCredentials());
    expect(error.code).toBe('idp_rejected_client');
    expect((error as TokenEndpointError).oauthError).toBe('invalid_client');
  });

  it('sends client credentials, exchanges and introspections over one pool of kept-alive connections', async () => {
    const oauth = clientWith();
    await oauth.clientCredentials();
    await oauth.clientCredentials();
    const warm = idp.connections;
    for (let i = 0; i < 3; i++) {
      await oauth.clientCredentials(`scope-${i}`);
      await oauth.exchange({ subject_token: 'x', subject_token_type: ACCESS_TOKEN_TYPE });
      await oauth.introspect('x');
    }
    expect(idp.requests.token + idp.requests.introspect).toBe(11);
    expect(idp.connections).toBe(warm);
  });

  it('sends a token endpoint request whose answer is no token with the client authentication of every call (a signed JWT here)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oauth-uma-'));
    try {
      addClientKey(dir);
      const keys = new ClientKeySet({ dir });
      const calls: string[] = [];
      const options = idp.options({
        http: { timeoutMs: 1000 },
        observer: {
          authenticated: () => undefined,
          cacheLookup: () => undefined,
          idpCall: (e: { endpoint: string; outcome: string }) =>
            void calls.push(`${e.endpoint} ${e.outcome}`),
        },
      });
      client = new KeycloakOAuthClient(options, undefined, undefined, () => privateKeyJwt(keys));
      idp.tokenAnswer = { status: 403, body: { error: 'access_denied' } };
      const answer = await client.tokenEndpointRequest(
        'urn:ietf:params:oauth:grant-type:uma-ticket',
        { audience: 'service-b', permission: ['a#x', 'b#y'] },
        'authorization',
      );
      expect(answer).toEqual({ status: 403, body: { error: 'access_denied' } });
      const form = idp.forms.token.at(-1)!;
      expect(form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:uma-ticket');
      expect(form.getAll('permission')).toEqual(['a#x', 'b#y']);
      expect(form.get('client_id')).toBe('service-b');
      const { payload } = await jwtVerify(form.get('client_assertion')!, createLocalJWKSet(keys.jwks()), {
        issuer: 'service-b',
        audience: idp.issuer,
      });
      expect(payload.jti).toEqual(expect.any(String));
      expect(idp.authorizations.at(-1)).toBe('');
      expect(calls).toEqual(['authorization error']);
      idp.tokenAnswer = { status: 200, body: 'not json' };
      expect(await client.tokenEndpointRequest('g', {}, 'authorization')).toEqual({
        status: 200,
        body: undefined,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

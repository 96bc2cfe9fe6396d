import {
  IdentityProviderUnavailableError,
  InsufficientScopeError,
  InvalidTokenError,
  TokenEndpointError,
} from './errors';

describe('RFC 6750 challenges (wwwAuthenticate)', () => {
  it('states realm, error and description of an invalid token', () => {
    expect(new InvalidTokenError('token_expired', 'token expired').wwwAuthenticate('s2s')).toBe(
      'Bearer realm="s2s", error="invalid_token", error_description="token expired"',
    );
  });

  it.each([
    ['a double quote', 'bad "token"', 'bad ?token?'],
    ['a backslash', 'C:\\temp', 'C:?temp'],
    ['non-ASCII', 'jeton refusé ✗', 'jeton refus? ?'],
    ['a line break (header injection)', 'x\r\nSet-Cookie: a=b', 'x??Set-Cookie: a=b'],
  ])('escapes %s in the description', (_name, description, quoted) => {
    expect(new InvalidTokenError('token_malformed', description).wwwAuthenticate('s2s')).toBe(
      `Bearer realm="s2s", error="invalid_token", error_description="${quoted}"`,
    );
  });

  it('escapes the realm and the scopes the same way', () => {
    const challenge = new InsufficientScopeError('insufficient_scope', 'lacks', ['a"b']).wwwAuthenticate(
      'r"\\',
    );
    expect(challenge).toBe(
      'Bearer realm="r??", error="insufficient_scope", error_description="lacks", scope="a?b"',
    );
  });

  it('names the required scopes on insufficient_scope', () => {
    const error = new InsufficientScopeError('insufficient_scope', 'lacks', ['a', 'b']);
    expect(error.wwwAuthenticate('s2s')).toBe(
      'Bearer realm="s2s", error="insufficient_scope", error_description="lacks", scope="a b"',
    );
    expect(error.getStatus()).toBe(403);
  });

  it('names no scope on a refusal that is not about scopes', () => {
    const error = new InsufficientScopeError('insufficient_role', 'requires role x');
    expect(error.wwwAuthenticate('s2s')).not.toContain('scope=');
  });

  it('gives no challenge when Keycloak is unavailable (not the caller’s fault)', () => {
    const error = new IdentityProviderUnavailableError('down');
    expect(error.wwwAuthenticate('s2s')).toBeUndefined();
    expect(error.getStatus()).toBe(503);
    expect(error.getResponse()).toEqual({
      statusCode: 503,
      error: 'idp_unavailable',
      message: 'down',
      code: 'idp_unavailable',
    });
  });

  it('gives no challenge when Keycloak refused this service itself (502)', () => {
    const error = new TokenEndpointError('idp_rejected_client', 502, 'refused', 'invalid_client');
    expect(error.wwwAuthenticate('s2s')).toBeUndefined();
    expect(error.getResponse()).toMatchObject({ statusCode: 502, error: 'bad_gateway' });
  });
});

describe('error bodies', () => {
  it('carry statusCode, error, message and code', () => {
    expect(new InvalidTokenError('token_expired', 'token expired').getResponse()).toEqual({
      statusCode: 401,
      error: 'invalid_token',
      message: 'token expired',
      code: 'token_expired',
    });
  });
});

describe('GraphQL extensions', () => {
  it.each([
    [
      new InvalidTokenError('token_expired', 'token expired'),
      { code: 'token_expired', statusCode: 401, error: 'invalid_token' },
    ],
    [
      new InsufficientScopeError('insufficient_role', 'requires role x'),
      { code: 'insufficient_role', statusCode: 403, error: 'insufficient_scope' },
    ],
    [
      new IdentityProviderUnavailableError('down'),
      { code: 'idp_unavailable', statusCode: 503, error: 'idp_unavailable' },
    ],
  ])('carry the code, the status and the error of %s', (error, extensions) => {
    expect(error.extensions).toEqual(extensions);
    // The HTTP body stays exactly as before.
    expect(Object.keys(error.getResponse() as object)).toEqual(['statusCode', 'error', 'message', 'code']);
  });
});

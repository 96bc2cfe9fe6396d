import {
  ClientConfigurationError,
  IdentityProviderUnavailableError,
  InsufficientScopeError,
  InvalidDpopProofError,
  InvalidTokenError,
} from './errors';

describe('challenges with DPoP (RFC 9449 §7.1) and without credentials (RFC 6750 §3.1)', () => {
  const allowed = { bearer: true, dpopAlgs: ['ES256', 'PS256'] };
  const required = { bearer: false, dpopAlgs: ['ES256'] };
  const missing = new InvalidTokenError('token_missing', 'access token missing');

  it('answers a request without credentials with every accepted scheme and no error code', () => {
    expect(missing.wwwAuthenticate('s2s')).toBe('Bearer realm="s2s"');
    expect(missing.wwwAuthenticate('s2s', allowed)).toBe(
      'Bearer realm="s2s", DPoP realm="s2s", algs="ES256 PS256"',
    );
    expect(missing.wwwAuthenticate('s2s', required)).toBe('DPoP realm="s2s", algs="ES256"');
  });

  it('names the error on the scheme the request used, when the route takes it', () => {
    const expired = new InvalidTokenError('token_expired', 'token expired');
    expect(expired.wwwAuthenticate('s2s', { ...allowed, presented: 'Bearer' })).toBe(
      'Bearer realm="s2s", error="invalid_token", error_description="token expired"',
    );
    expect(expired.wwwAuthenticate('s2s', { ...allowed, presented: 'DPoP' })).toBe(
      'DPoP realm="s2s", error="invalid_token", error_description="token expired", algs="ES256 PS256"',
    );
    // A bearer request where only DPoP is taken: the challenge tells the client what would be.
    expect(expired.wwwAuthenticate('s2s', { ...required, presented: 'Bearer' })).toMatch(
      /^DPoP realm="s2s", error=/,
    );
  });

  it('names a proof error on the DPoP scheme whatever the request used, and on Bearer when DPoP is off', () => {
    const replayed = new InvalidDpopProofError('dpop_proof_replayed', 'DPoP proof jti was already used');
    expect(replayed.getStatus()).toBe(401);
    expect(replayed.wwwAuthenticate('s2s', { ...allowed, presented: 'Bearer' })).toBe(
      'DPoP realm="s2s", error="invalid_dpop_proof", error_description="DPoP proof jti was already used", algs="ES256 PS256"',
    );
    const bound = new InvalidTokenError(
      'dpop_bound_token_as_bearer',
      'DPoP-bound token sent as a bearer token',
    );
    expect(bound.wwwAuthenticate('s2s', { bearer: true, presented: 'Bearer' })).toMatch(
      /^Bearer realm="s2s", error="invalid_token", /,
    );
  });

  it('puts the scope before algs in a DPoP insufficient_scope challenge', () => {
    const lacks = new InsufficientScopeError('insufficient_scope', 'lacks', ['analytics.run']);
    expect(lacks.wwwAuthenticate('s2s', { ...required, presented: 'DPoP' })).toBe(
      'DPoP realm="s2s", error="insufficient_scope", error_description="lacks", scope="analytics.run", algs="ES256"',
    );
  });
});

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

  it('gives no challenge when Keycloak refused this service itself (503): a configuration error, not an outage', () => {
    const error = new ClientConfigurationError('refused', 'invalid_client');
    expect(error.wwwAuthenticate('s2s')).toBeUndefined();
    expect(error.getResponse()).toMatchObject({
      statusCode: 503,
      error: 'idp_unavailable',
      code: 'idp_rejected_client',
    });
    expect(error).not.toBeInstanceOf(IdentityProviderUnavailableError);
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

import { IdentityProviderUnavailableError, InsufficientScopeError, InvalidTokenError } from './errors';

describe('RFC 6750 challenges', () => {
  it('quotes nothing that could break out of the header parameter', () => {
    const challenge = new InvalidTokenError('token_malformed', 'bad "token" \\ é').wwwAuthenticate('s2s');
    expect(challenge).toBe('Bearer realm="s2s", error="invalid_token", error_description="bad ?token? ? ?"');
  });

  it('names the required scopes on insufficient_scope', () => {
    const challenge = new InsufficientScopeError('insufficient_scope', 'lacks', ['a', 'b']).wwwAuthenticate(
      's2s',
    );
    expect(challenge).toBe(
      'Bearer realm="s2s", error="insufficient_scope", error_description="lacks", scope="a b"',
    );
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
});

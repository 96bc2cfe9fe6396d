import { KeycloakAuthOptions, resolveKeycloakAuthOptions } from './keycloak-auth.options';

const valid: KeycloakAuthOptions = {
  url: 'http://keycloak:8080/',
  realm: 's2s',
  clientId: 'service-b',
  clientSecret: 'secret',
  mode: 'introspection',
  audience: 'service-b',
};

describe('resolveKeycloakAuthOptions', () => {
  it('derives the realm endpoints from url and realm, trimming the trailing slash', () => {
    const resolved = resolveKeycloakAuthOptions(valid);
    expect(resolved.issuer).toBe('http://keycloak:8080/realms/s2s');
    expect(resolved.endpoints).toEqual({
      token: 'http://keycloak:8080/realms/s2s/protocol/openid-connect/token',
      introspection: 'http://keycloak:8080/realms/s2s/protocol/openid-connect/token/introspect',
      jwks: 'http://keycloak:8080/realms/s2s/protocol/openid-connect/certs',
    });
  });

  it('keeps an explicit issuer apart from the url services call', () => {
    const resolved = resolveKeycloakAuthOptions({ ...valid, issuer: 'http://localhost:8080/realms/s2s' });
    expect(resolved.issuer).toBe('http://localhost:8080/realms/s2s');
    expect(resolved.endpoints.token.startsWith('http://keycloak:8080/')).toBe(true);
  });

  it('applies strict defaults', () => {
    expect(resolveKeycloakAuthOptions(valid)).toMatchObject({
      algorithms: ['RS256', 'ES256'],
      clockToleranceSec: 5,
      introspectionCacheTtlSec: 30,
      audience: ['service-b'],
      globalGuard: true,
    });
  });

  it.each([
    ['audience', { audience: [] }],
    ['audience', { audience: undefined }],
    ['algorithms', { algorithms: ['HS256'] }],
    ['algorithms', { algorithms: ['none'] }],
    ['clientSecret', { clientSecret: undefined }],
    ['url', { url: 'keycloak:8080' }],
    ['mode', { mode: 'magic' }],
    ['clockToleranceSec', { clockToleranceSec: -1 }],
    ['refreshFraction', { refreshFraction: 1 }],
  ])('refuses a bad %s and names it', (key, change) => {
    expect(() => resolveKeycloakAuthOptions({ ...valid, ...change } as KeycloakAuthOptions)).toThrow(
      new RegExp(`Invalid KeycloakAuthModule options: .*${key}:`),
    );
  });
});

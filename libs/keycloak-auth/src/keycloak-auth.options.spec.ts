import { KeycloakAuthOptions, resolveKeycloakAuthOptions } from './keycloak-auth.options';

const valid: KeycloakAuthOptions = {
  url: 'http://keycloak:8080',
  realm: 's2s',
  clientId: 'service-b',
  clientSecret: 'secret',
  mode: 'introspection',
  audience: 'service-b',
};

const refusal = (change: Record<string, unknown>): string => {
  try {
    resolveKeycloakAuthOptions({ ...valid, ...change } as KeycloakAuthOptions);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`options ${JSON.stringify(change)} were accepted`);
};

describe('resolveKeycloakAuthOptions', () => {
  it('derives the realm endpoints from url and realm', () => {
    const resolved = resolveKeycloakAuthOptions(valid);
    expect(resolved.url).toBe('http://keycloak:8080');
    expect(resolved.issuer).toBe('http://keycloak:8080/realms/s2s');
    expect(resolved.endpoints).toEqual({
      token: 'http://keycloak:8080/realms/s2s/protocol/openid-connect/token',
      introspection: 'http://keycloak:8080/realms/s2s/protocol/openid-connect/token/introspect',
      jwks: 'http://keycloak:8080/realms/s2s/protocol/openid-connect/certs',
    });
  });

  it('trims trailing slashes of url and issuer', () => {
    const resolved = resolveKeycloakAuthOptions({
      ...valid,
      url: 'https://sso.example.com/auth//',
      issuer: 'https://login.example.com/realms/s2s/',
    });
    expect(resolved.url).toBe('https://sso.example.com/auth');
    expect(resolved.issuer).toBe('https://login.example.com/realms/s2s');
    expect(resolved.endpoints.jwks).toBe(
      'https://sso.example.com/auth/realms/s2s/protocol/openid-connect/certs',
    );
  });

  it('keeps an explicit issuer apart from the url the service calls', () => {
    const resolved = resolveKeycloakAuthOptions({ ...valid, issuer: 'http://localhost:8080/realms/s2s' });
    expect(resolved.issuer).toBe('http://localhost:8080/realms/s2s');
    expect(resolved.url).toBe('http://keycloak:8080');
    expect(
      Object.values(resolved.endpoints).every((e) => e.startsWith('http://keycloak:8080/realms/s2s/')),
    ).toBe(true);
  });

  it('applies strict defaults', () => {
    expect(resolveKeycloakAuthOptions(valid)).toEqual({
      url: 'http://keycloak:8080',
      realm: 's2s',
      issuer: 'http://keycloak:8080/realms/s2s',
      clientId: 'service-b',
      clientSecret: 'secret',
      mode: 'introspection',
      audience: ['service-b'],
      algorithms: ['RS256', 'ES256'],
      clockToleranceSec: 5,
      introspectionCacheTtlSec: 30,
      cacheMaxEntries: 10_000,
      refreshMarginSec: 30,
      refreshFraction: 0.1,
      httpTimeoutMs: 5_000,
      jwksCooldownMs: 10_000,
      globalGuard: true,
      endpoints: expect.any(Object),
    });
  });

  it('keeps every accepted audience and asymmetric algorithm given', () => {
    const resolved = resolveKeycloakAuthOptions({
      ...valid,
      audience: ['service-b', 'orders-api'],
      algorithms: ['PS256', 'ES384', 'EdDSA'],
    });
    expect(resolved.audience).toEqual(['service-b', 'orders-api']);
    expect(resolved.algorithms).toEqual(['PS256', 'ES384', 'EdDSA']);
  });

  it('needs no client secret in jwt mode', () => {
    const resolved = resolveKeycloakAuthOptions({ ...valid, mode: 'jwt', clientSecret: '' });
    expect(resolved.clientSecret).toBeUndefined();
  });

  it.each([
    ['audience', { audience: undefined }],
    ['audience', { audience: [] }],
    ['audience', { audience: ['', ' '] }],
    ['algorithms', { algorithms: ['HS256'] }],
    ['algorithms', { algorithms: ['RS256', 'none'] }],
    ['algorithms', { algorithms: [] }],
    ['clientSecret', { clientSecret: undefined }],
    ['clientSecret', { clientSecret: '' }],
    ['url', { url: 'keycloak:8080' }],
    ['url', { url: undefined }],
    ['realm', { realm: '' }],
    ['clientId', { clientId: ' ' }],
    ['mode', { mode: 'magic' }],
    ['issuer', { issuer: 'not a url' }],
    ['clockToleranceSec', { clockToleranceSec: -1 }],
    ['httpTimeoutMs', { httpTimeoutMs: Number.NaN }],
    ['jwksCooldownMs', { jwksCooldownMs: -1 }],
    ['cacheMaxEntries', { cacheMaxEntries: 0 }],
    ['cacheMaxEntries', { cacheMaxEntries: 1.5 }],
    ['refreshFraction', { refreshFraction: 1 }],
  ])('refuses a bad %s and names it', (key, change) => {
    expect(refusal(change)).toMatch(new RegExp(`^Invalid KeycloakAuthModule options: (.*; )?${key}: `));
  });

  it('names every bad key at once', () => {
    const message = refusal({ audience: [], algorithms: ['HS256', 'none'], clientSecret: undefined });
    expect(message).toContain('audience: ');
    expect(message).toContain('algorithms: ');
    expect(message).toContain('clientSecret: ');
  });
});

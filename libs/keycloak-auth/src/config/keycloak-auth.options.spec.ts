import { KeycloakAuthOptions } from './keycloak-auth.options';
import { InvalidKeycloakAuthOptionsError } from './option-problem';
import { resolveKeycloakAuthOptions } from './resolve-options';
import { noopKeycloakAuthObserver } from '../transport/keycloak-auth.observer';

const valid: KeycloakAuthOptions = {
  url: 'http://keycloak:8080',
  realm: 's2s',
  clientId: 'service-b',
  clientSecret: 'secret',
  clientAuthMethod: 'client_secret_basic',
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
      clientAuthMethod: 'client_secret_basic',
      mode: 'introspection',
      audience: ['service-b'],
      algorithms: ['RS256', 'ES256'],
      clockToleranceSec: 5,
      introspectionCacheTtlSec: 30,
      introspectionMissesPerMinute: 600,
      cacheMaxEntries: 10_000,
      refreshMarginSec: 30,
      refreshFraction: 0.1,
      httpTimeoutMs: 5_000,
      jwksCooldownMs: 10_000,
      jwksCacheMaxAgeMs: 600_000,
      globalGuard: true,
      endpoints: expect.any(Object),
      realms: [
        {
          realm: 's2s',
          url: 'http://keycloak:8080',
          issuer: 'http://keycloak:8080/realms/s2s',
          clientId: 'service-b',
          clientSecret: 'secret',
          clientAuthMethod: 'client_secret_basic',
          endpoints: expect.any(Object),
        },
      ],
      ca: undefined,
      observer: noopKeycloakAuthObserver,
      dpop: 'off',
      dpopAlgorithms: ['ES256', 'PS256', 'RS256', 'EdDSA'],
      dpopProofMaxAgeSec: 60,
      dpopOrigin: undefined,
      dpopKeycloakHtu: 'url',
      dpopKeyAlgorithm: 'ES256',
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
    ['dpopKeyAlgorithm', { dpopKeyAlgorithm: 'RS256' }],
    ['issuer', { issuer: 'not a url' }],
    ['clockToleranceSec', { clockToleranceSec: -1 }],
    ['httpTimeoutMs', { httpTimeoutMs: Number.NaN }],
    ['jwksCooldownMs', { jwksCooldownMs: -1 }],
    ['jwksCacheMaxAgeMs', { jwksCacheMaxAgeMs: -1 }],
    ['jwksCacheMaxAgeMs', { jwksCacheMaxAgeMs: 0 }],
    ['cacheMaxEntries', { cacheMaxEntries: 0 }],
    ['cacheMaxEntries', { cacheMaxEntries: 1.5 }],
    ['refreshFraction', { refreshFraction: 1 }],
    ['observer', { observer: { authenticated: () => undefined } }],
    ['dpopReplayStore', { dpopReplayStore: { set: () => undefined } }],
    ['introspectionBudgetStore', { introspectionBudgetStore: { increment: () => undefined } }],
  ])('refuses a bad %s and names it', (key, change) => {
    expect(refusal(change)).toMatch(new RegExp(`^Invalid KeycloakAuthModule options: (.*; )?${key}: `));
  });

  it('lists each refused option with its reason, for apps that name their own keys', () => {
    const error = (() => {
      try {
        resolveKeycloakAuthOptions({ ...valid, mode: 'magic' as never, url: 'keycloak' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidKeycloakAuthOptionsError);
    expect((error as InvalidKeycloakAuthOptionsError).problems).toEqual([
      { option: 'url', reason: 'must be an http(s) URL' },
      { option: 'mode', reason: 'must be one of jwt, introspection' },
    ]);
  });

  describe('additionalRealms', () => {
    it('lists the home realm first, then each additional realm with the top-level url and client by default', () => {
      const resolved = resolveKeycloakAuthOptions({
        ...valid,
        additionalRealms: [
          { realm: 'partners' },
          {
            realm: 'b2b',
            url: 'https://sso.example.com/',
            issuer: 'https://login.example.com/realms/b2b/',
            clientId: 'orders-api',
            clientSecret: 'b2b-secret',
          },
        ],
      });
      expect(resolved.realms).toEqual([
        {
          realm: 's2s',
          url: 'http://keycloak:8080',
          issuer: 'http://keycloak:8080/realms/s2s',
          clientId: 'service-b',
          clientSecret: 'secret',
          clientAuthMethod: 'client_secret_basic',
          endpoints: resolved.endpoints,
        },
        {
          realm: 'partners',
          url: 'http://keycloak:8080',
          issuer: 'http://keycloak:8080/realms/partners',
          clientId: 'service-b',
          clientSecret: 'secret',
          clientAuthMethod: 'client_secret_basic',
          endpoints: {
            token: 'http://keycloak:8080/realms/partners/protocol/openid-connect/token',
            introspection: 'http://keycloak:8080/realms/partners/protocol/openid-connect/token/introspect',
            jwks: 'http://keycloak:8080/realms/partners/protocol/openid-connect/certs',
          },
        },
        {
          realm: 'b2b',
          url: 'https://sso.example.com',
          issuer: 'https://login.example.com/realms/b2b',
          clientId: 'orders-api',
          clientSecret: 'b2b-secret',
          clientAuthMethod: 'client_secret_basic',
          endpoints: {
            token: 'https://sso.example.com/realms/b2b/protocol/openid-connect/token',
            introspection: 'https://sso.example.com/realms/b2b/protocol/openid-connect/token/introspect',
            jwks: 'https://sso.example.com/realms/b2b/protocol/openid-connect/certs',
          },
        },
      ]);
    });

    it('keeps the top-level fields those of the home realm', () => {
      const resolved = resolveKeycloakAuthOptions({ ...valid, additionalRealms: [{ realm: 'partners' }] });
      expect(resolved).toMatchObject({ realm: 's2s', issuer: 'http://keycloak:8080/realms/s2s' });
      expect(resolved.endpoints.jwks).toBe('http://keycloak:8080/realms/s2s/protocol/openid-connect/certs');
    });

    it.each([
      ['additionalRealms', { additionalRealms: 'partners' }],
      ['additionalRealms\\[0\\]', { additionalRealms: [null] }],
      ['additionalRealms\\[0\\]\\.realm', { additionalRealms: [{ realm: '' }] }],
      [
        'additionalRealms\\[1\\]\\.url',
        { additionalRealms: [{ realm: 'a' }, { realm: 'b', url: 'ftp://x' }] },
      ],
      ['additionalRealms\\[0\\]\\.issuer', { additionalRealms: [{ realm: 'a', issuer: 'issuer-a' }] }],
      ['additionalRealms\\[0\\]\\.clientId', { additionalRealms: [{ realm: 'a', clientId: ' ' }] }],
      ['additionalRealms\\[0\\]\\.clientSecret', { additionalRealms: [{ realm: 'a', clientSecret: '' }] }],
      // Two realms with one issuer: the token's iss could not say which realm checks it.
      ['additionalRealms\\[0\\]\\.issuer', { additionalRealms: [{ realm: 's2s' }] }],
      [
        'additionalRealms\\[1\\]\\.issuer',
        { additionalRealms: [{ realm: 'a' }, { realm: 'b', issuer: 'http://keycloak:8080/realms/a/' }] },
      ],
    ])('refuses a bad %s and names it', (key, change) => {
      expect(refusal(change)).toMatch(new RegExp(`^Invalid KeycloakAuthModule options: (.*; )?${key}: `));
    });

    it('says which realm already has a duplicated issuer', () => {
      expect(refusal({ additionalRealms: [{ realm: 'a', issuer: 'http://keycloak:8080/realms/s2s' }] })).toBe(
        "Invalid KeycloakAuthModule options: additionalRealms[0].issuer: http://keycloak:8080/realms/s2s is already realm s2s's",
      );
    });

    it('needs no client secret of an additional realm in jwt mode', () => {
      const resolved = resolveKeycloakAuthOptions({
        ...valid,
        mode: 'jwt',
        clientSecret: undefined,
        additionalRealms: [{ realm: 'a', clientSecret: '' }],
      });
      expect(resolved.realms[1].clientSecret).toBeUndefined();
    });
  });

  it('names every bad key at once', () => {
    const message = refusal({ audience: [], algorithms: ['HS256', 'none'], clientSecret: undefined });
    expect(message).toContain('audience: ');
    expect(message).toContain('algorithms: ');
    expect(message).toContain('clientSecret: ');
  });
});

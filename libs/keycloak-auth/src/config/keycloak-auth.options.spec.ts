import { KeycloakAuthOptions } from './keycloak-auth.options';
import { InvalidKeycloakAuthOptionsError } from './option-problem';
import { resolveKeycloakAuthOptions } from './resolve-options';
import { noopKeycloakAuthObserver } from '../transport/keycloak-auth.observer';
import { ClientKeySet } from '../keys/client-key-set';

const valid: KeycloakAuthOptions = {
  url: 'http://keycloak:8080',
  realm: 's2s',
  clientId: 'service-b',
  clientAuth: { method: 'client_secret_basic', secret: 'secret' },
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

/** Whether the refusal of `change` names option `path` (e.g. `clientAuth.secret`). */
const names = (path: string) =>
  new RegExp(`^Invalid KeycloakAuthModule options: (.*; )?${path.replace(/[.[\]]/g, '\\$&')}: `);

const S2S_ENDPOINTS = {
  token: 'http://keycloak:8080/realms/s2s/protocol/openid-connect/token',
  introspection: 'http://keycloak:8080/realms/s2s/protocol/openid-connect/token/introspect',
  jwks: 'http://keycloak:8080/realms/s2s/protocol/openid-connect/certs',
};

describe('resolveKeycloakAuthOptions', () => {
  it('derives the home realm endpoints from url and realm', () => {
    const { home } = resolveKeycloakAuthOptions(valid);
    expect(home.url).toBe('http://keycloak:8080');
    expect(home.issuer).toBe('http://keycloak:8080/realms/s2s');
    expect(home.endpoints).toEqual(S2S_ENDPOINTS);
  });

  it('trims trailing slashes of url and issuer', () => {
    const { home } = resolveKeycloakAuthOptions({
      ...valid,
      url: 'https://sso.example.com/auth//',
      issuer: 'https://login.example.com/realms/s2s/',
    });
    expect(home.url).toBe('https://sso.example.com/auth');
    expect(home.issuer).toBe('https://login.example.com/realms/s2s');
    expect(home.endpoints.jwks).toBe('https://sso.example.com/auth/realms/s2s/protocol/openid-connect/certs');
  });

  it('keeps an explicit issuer apart from the url the service calls', () => {
    const { home } = resolveKeycloakAuthOptions({ ...valid, issuer: 'http://localhost:8080/realms/s2s' });
    expect(home.issuer).toBe('http://localhost:8080/realms/s2s');
    expect(home.url).toBe('http://keycloak:8080');
    expect(Object.values(home.endpoints).every((e) => e.startsWith('http://keycloak:8080/realms/s2s/'))).toBe(
      true,
    );
  });

  it('applies strict defaults, group by group', () => {
    const home = {
      realm: 's2s',
      url: 'http://keycloak:8080',
      issuer: 'http://keycloak:8080/realms/s2s',
      clientId: 'service-b',
      clientAuth: { method: 'client_secret_basic', secret: 'secret' },
      endpoints: S2S_ENDPOINTS,
    };
    expect(resolveKeycloakAuthOptions(valid)).toEqual({
      home,
      realms: [home],
      mode: 'introspection',
      audience: ['service-b'],
      verification: { algorithms: ['RS256', 'ES256'], clockToleranceSec: 5, cacheMaxEntries: 10_000 },
      introspection: { cacheTtlSec: 30, missesPerMinute: 600 },
      jwks: { cooldownMs: 10_000, cacheMaxAgeMs: 600_000 },
      dpop: {
        policy: 'off',
        algorithms: ['ES256', 'PS256', 'RS256', 'EdDSA'],
        proofMaxAgeSec: 60,
        origin: undefined,
        keycloakHtu: 'url',
        keyAlgorithm: 'EdDSA',
      },
      outgoingTokens: { refreshMarginSec: 30, refreshFraction: 0.1 },
      http: { timeoutMs: 5_000, ca: undefined },
      globalGuard: true,
      observer: noopKeycloakAuthObserver,
      resourceMetadata: { resource: undefined, scopes: undefined, resourceName: undefined, extra: {} },
    });
  });

  it('keeps what each group is given, and the defaults of the keys it leaves out', () => {
    const resolved = resolveKeycloakAuthOptions({
      ...valid,
      audience: ['service-b', 'orders-api'],
      verification: { algorithms: ['PS256', 'ES384', 'EdDSA'] },
      introspection: { missesPerMinute: 0 },
      jwks: { cooldownMs: 0 },
      dpop: { policy: 'required', origin: 'https://api.example.com/path', keycloakHtu: 'issuer' },
      outgoingTokens: { refreshFraction: 0.5 },
      http: { timeoutMs: 200 },
    });
    expect(resolved.audience).toEqual(['service-b', 'orders-api']);
    expect(resolved.verification).toEqual({
      algorithms: ['PS256', 'ES384', 'EdDSA'],
      clockToleranceSec: 5,
      cacheMaxEntries: 10_000,
    });
    expect(resolved.introspection).toEqual({ cacheTtlSec: 30, missesPerMinute: 0 });
    expect(resolved.jwks).toEqual({ cooldownMs: 0, cacheMaxAgeMs: 600_000 });
    expect(resolved.dpop).toMatchObject({
      policy: 'required',
      origin: 'https://api.example.com',
      keycloakHtu: 'issuer',
    });
    expect(resolved.outgoingTokens).toEqual({ refreshMarginSec: 30, refreshFraction: 0.5 });
    expect(resolved.http).toEqual({ timeoutMs: 200, ca: undefined });
  });

  describe('clientAuth', () => {
    it('client_secret_basic: the secret, for every realm unless one has its own', () => {
      const resolved = resolveKeycloakAuthOptions({
        ...valid,
        additionalRealms: [
          { realm: 'a' },
          { realm: 'b', clientAuth: { method: 'client_secret_basic', secret: 'b-secret' } },
        ],
      });
      expect(resolved.realms.map((r) => r.clientAuth)).toEqual([
        { method: 'client_secret_basic', secret: 'secret' },
        { method: 'client_secret_basic', secret: 'secret' },
        { method: 'client_secret_basic', secret: 'b-secret' },
      ]);
    });

    it('private_key_jwt: the keys as given (a folder or a loaded set), no secret, in introspection mode too', () => {
      const resolved = resolveKeycloakAuthOptions({
        ...valid,
        clientAuth: { method: 'private_key_jwt', keys: { dir: '/keys' } },
      });
      expect(resolved.home.clientAuth).toEqual({ method: 'private_key_jwt', keys: { dir: '/keys' } });
      const set = Object.create(ClientKeySet.prototype) as ClientKeySet;
      const loaded = resolveKeycloakAuthOptions({
        ...valid,
        clientAuth: { method: 'private_key_jwt', keys: set },
      });
      expect(loaded.home.clientAuth).toEqual({ method: 'private_key_jwt', keys: set });
    });

    it('federated_jwt: the assertion file, not read by the resolver', () => {
      const resolved = resolveKeycloakAuthOptions({
        ...valid,
        clientAuth: { method: 'federated_jwt', assertionFile: '/nonexistent/token' },
      });
      expect(resolved.home.clientAuth).toEqual({
        method: 'federated_jwt',
        assertionFile: '/nonexistent/token',
      });
    });

    it('is needed in jwt mode only for calls to Keycloak: without it they carry no client authentication', () => {
      const resolved = resolveKeycloakAuthOptions({ ...valid, mode: 'jwt', clientAuth: undefined });
      expect(resolved.home.clientAuth).toEqual({ method: 'client_secret_basic' });
    });

    it.each([
      ['clientAuth', { clientAuth: undefined }, 'is required in introspection mode'],
      ['clientAuth', { clientAuth: 'secret' }, 'must be an object with a method'],
      ['clientAuth.method', { clientAuth: { method: 'client_secret_jwt' } }, 'must be one of'],
      ['clientAuth.method', { clientAuth: { secret: 's' } }, 'must be one of'],
      ['clientAuth.secret', { clientAuth: { method: 'client_secret_basic' } }, 'is required'],
      ['clientAuth.secret', { clientAuth: { method: 'client_secret_basic', secret: ' ' } }, 'is required'],
      [
        'clientAuth.keys',
        { clientAuth: { method: 'client_secret_basic', secret: 's', keys: { dir: '/k' } } },
        'is not an option of method client_secret_basic',
      ],
      ['clientAuth.keys', { clientAuth: { method: 'private_key_jwt' } }, 'is required'],
      ['clientAuth.keys.dir', { clientAuth: { method: 'private_key_jwt', keys: {} } }, 'is required'],
      [
        'clientAuth.secret',
        { clientAuth: { method: 'private_key_jwt', keys: { dir: '/k' }, secret: 's' } },
        'must not be set with method private_key_jwt',
      ],
      [
        'clientAuth.assertionFile',
        { clientAuth: { method: 'private_key_jwt', keys: { dir: '/k' }, assertionFile: '/t' } },
        'is not an option of method private_key_jwt',
      ],
      ['clientAuth.assertionFile', { clientAuth: { method: 'federated_jwt' } }, 'is required'],
      [
        'clientAuth.assertionFile',
        { clientAuth: { method: 'federated_jwt', assertionFile: '' } },
        'is required',
      ],
      [
        'clientAuth.secret',
        { clientAuth: { method: 'federated_jwt', assertionFile: '/t', secret: 's' } },
        'must not be set with method federated_jwt',
      ],
    ])('refuses a bad %s (%j): "%s"', (path, change, reason) => {
      const message = refusal(change);
      expect(message).toMatch(names(path));
      expect(message).toContain(`${path}: ${reason}`);
    });
  });

  it.each([
    ['audience', { audience: undefined }],
    ['audience', { audience: [] }],
    ['audience', { audience: ['', ' '] }],
    ['url', { url: 'keycloak:8080' }],
    ['url', { url: undefined }],
    ['realm', { realm: '' }],
    ['clientId', { clientId: ' ' }],
    ['mode', { mode: 'magic' }],
    ['dpop.keyAlgorithm', { dpop: { keyAlgorithm: 'RS256' } }],
    ['issuer', { issuer: 'not a url' }],
    ['verification', { verification: 'strict' }],
    ['verification.algorithms', { verification: { algorithms: ['HS256'] } }],
    ['verification.algorithms', { verification: { algorithms: ['RS256', 'none'] } }],
    ['verification.algorithms', { verification: { algorithms: [] } }],
    ['verification.clockToleranceSec', { verification: { clockToleranceSec: -1 } }],
    ['verification.cacheMaxEntries', { verification: { cacheMaxEntries: 0 } }],
    ['verification.cacheMaxEntries', { verification: { cacheMaxEntries: 1.5 } }],
    ['introspection', { introspection: [] }],
    ['introspection.cacheTtlSec', { introspection: { cacheTtlSec: -1 } }],
    ['introspection.missesPerMinute', { introspection: { missesPerMinute: '600' } }],
    ['jwks', { jwks: null }],
    ['jwks.cooldownMs', { jwks: { cooldownMs: -1 } }],
    ['jwks.cacheMaxAgeMs', { jwks: { cacheMaxAgeMs: -1 } }],
    ['jwks.cacheMaxAgeMs', { jwks: { cacheMaxAgeMs: 0 } }],
    ['dpop', { dpop: 'allowed' }],
    ['dpop.policy', { dpop: { policy: 'sometimes' } }],
    ['dpop.algorithms', { dpop: { algorithms: ['HS256'] } }],
    ['dpop.algorithms', { dpop: { algorithms: [] } }],
    ['dpop.proofMaxAgeSec', { dpop: { proofMaxAgeSec: 0 } }],
    ['dpop.origin', { dpop: { origin: 'api.example.com' } }],
    ['dpop.origin', { dpop: { origin: 'ftp://api.example.com' } }],
    ['dpop.keycloakHtu', { dpop: { keycloakHtu: 'proxy' } }],
    ['outgoingTokens', { outgoingTokens: 30 }],
    ['outgoingTokens.refreshMarginSec', { outgoingTokens: { refreshMarginSec: -1 } }],
    ['outgoingTokens.refreshFraction', { outgoingTokens: { refreshFraction: 1 } }],
    ['http', { http: 5000 }],
    ['http.timeoutMs', { http: { timeoutMs: Number.NaN } }],
    ['http.ca', { http: { ca: 'not a certificate' } }],
    ['observer', { observer: { authenticated: () => undefined } }],
    ['dpop.replayStore', { dpop: { replayStore: { set: () => undefined } } }],
    ['introspection.budgetStore', { introspection: { budgetStore: { increment: () => undefined } } }],
  ])('refuses a bad %s and names it by its path', (path, change) => {
    expect(refusal(change)).toMatch(names(path));
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
            clientAuth: { method: 'client_secret_basic', secret: 'b2b-secret' },
          },
        ],
      });
      expect(resolved.realms).toEqual([
        resolved.home,
        {
          realm: 'partners',
          url: 'http://keycloak:8080',
          issuer: 'http://keycloak:8080/realms/partners',
          clientId: 'service-b',
          clientAuth: { method: 'client_secret_basic', secret: 'secret' },
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
          clientAuth: { method: 'client_secret_basic', secret: 'b2b-secret' },
          endpoints: {
            token: 'https://sso.example.com/realms/b2b/protocol/openid-connect/token',
            introspection: 'https://sso.example.com/realms/b2b/protocol/openid-connect/token/introspect',
            jwks: 'https://sso.example.com/realms/b2b/protocol/openid-connect/certs',
          },
        },
      ]);
      expect(resolved.home).toMatchObject({ realm: 's2s', issuer: 'http://keycloak:8080/realms/s2s' });
    });

    it.each([
      ['additionalRealms', { additionalRealms: 'partners' }],
      ['additionalRealms[0]', { additionalRealms: [null] }],
      ['additionalRealms[0].realm', { additionalRealms: [{ realm: '' }] }],
      ['additionalRealms[1].url', { additionalRealms: [{ realm: 'a' }, { realm: 'b', url: 'ftp://x' }] }],
      ['additionalRealms[0].issuer', { additionalRealms: [{ realm: 'a', issuer: 'issuer-a' }] }],
      ['additionalRealms[0].clientId', { additionalRealms: [{ realm: 'a', clientId: ' ' }] }],
      ['additionalRealms[0].clientAuth', { additionalRealms: [{ realm: 'a', clientAuth: 's' }] }],
      [
        'additionalRealms[0].clientAuth.secret',
        { additionalRealms: [{ realm: 'a', clientAuth: { method: 'client_secret_basic', secret: '' } }] },
      ],
      [
        'additionalRealms[0].clientAuth.method',
        {
          additionalRealms: [{ realm: 'a', clientAuth: { method: 'private_key_jwt', keys: { dir: '/k' } } }],
        },
      ],
      [
        'additionalRealms[0].clientAuth.keys',
        {
          additionalRealms: [
            { realm: 'a', clientAuth: { method: 'client_secret_basic', secret: 's', keys: { dir: '/k' } } },
          ],
        },
      ],
      // Two realms with one issuer: the token's iss could not say which realm checks it.
      ['additionalRealms[0].issuer', { additionalRealms: [{ realm: 's2s' }] }],
      [
        'additionalRealms[1].issuer',
        { additionalRealms: [{ realm: 'a' }, { realm: 'b', issuer: 'http://keycloak:8080/realms/a/' }] },
      ],
    ])('refuses a bad %s and names it', (path, change) => {
      expect(refusal(change)).toMatch(names(path));
    });

    it("refuses a realm's own secret when the home realm signs its assertions: one method for every realm", () => {
      expect(
        refusal({
          clientAuth: { method: 'private_key_jwt', keys: { dir: '/k' } },
          additionalRealms: [{ realm: 'a', clientAuth: { method: 'client_secret_basic', secret: 's' } }],
        }),
      ).toBe(
        'Invalid KeycloakAuthModule options: additionalRealms[0].clientAuth: must not be set with clientAuth method private_key_jwt (the same in every realm)',
      );
    });

    it('says which realm already has a duplicated issuer', () => {
      expect(refusal({ additionalRealms: [{ realm: 'a', issuer: 'http://keycloak:8080/realms/s2s' }] })).toBe(
        "Invalid KeycloakAuthModule options: additionalRealms[0].issuer: http://keycloak:8080/realms/s2s is already realm s2s's",
      );
    });

    it('gives an additional realm its own secret in jwt mode, where the home realm has none', () => {
      const resolved = resolveKeycloakAuthOptions({
        ...valid,
        mode: 'jwt',
        clientAuth: undefined,
        additionalRealms: [{ realm: 'a', clientAuth: { method: 'client_secret_basic', secret: 'a-secret' } }],
      });
      expect(resolved.realms.map((r) => r.clientAuth)).toEqual([
        { method: 'client_secret_basic' },
        { method: 'client_secret_basic', secret: 'a-secret' },
      ]);
    });
  });

  it('names every bad key at once, in every group', () => {
    const message = refusal({
      audience: [],
      verification: { algorithms: ['HS256', 'none'] },
      clientAuth: { method: 'client_secret_basic' },
      dpop: { algorithms: ['none'] },
      jwks: { cacheMaxAgeMs: 0 },
    });
    for (const path of [
      'audience',
      'verification.algorithms',
      'clientAuth.secret',
      'dpop.algorithms',
      'jwks.cacheMaxAgeMs',
    ])
      expect(message).toContain(`${path}: `);
  });
});

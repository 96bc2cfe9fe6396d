import { resolveKeycloakAuthOptions } from './resolve-options';
import type { KeycloakAuthOptions } from './keycloak-auth.options';
import { protectedResourceMetadata, resourceMetadataPath, resourceMetadataUrl } from './resource-metadata';
import { InvalidKeycloakAuthOptionsError } from './option-problem';

const BASE: KeycloakAuthOptions = {
  url: 'http://keycloak:8080',
  realm: 's2s',
  clientId: 'service-b',
  clientAuth: { method: 'client_secret_basic', secret: 'do-not-publish' },
  mode: 'jwt',
  audience: 'service-b',
};
const HOME = 'http://keycloak:8080/realms/s2s';

const metadataOf = (options: Partial<KeycloakAuthOptions>, scopes: string[] = []) =>
  protectedResourceMetadata(
    resolveKeycloakAuthOptions({ ...BASE, ...options }),
    'https://orders.example.com',
    scopes,
  );

/** The refused keys and their reasons, of options the resolver refuses. */
function problemsOf(options: Partial<KeycloakAuthOptions>): string[] {
  try {
    resolveKeycloakAuthOptions({ ...BASE, ...options });
  } catch (error) {
    if (error instanceof InvalidKeycloakAuthOptionsError) return error.problems.map((p) => p.option);
    throw error;
  }
  return [];
}

describe('protectedResourceMetadata (RFC 9728 §2)', () => {
  it.each(['jwt', 'introspection'] as const)(
    'describes a %s-mode service: its identifier, its realm, header-only bearer tokens, its scopes, no DPoP',
    (mode) => {
      expect(metadataOf({ mode }, ['orders.read', 'analytics.run', 'orders.read'])).toEqual({
        resource: 'https://orders.example.com',
        authorization_servers: [HOME],
        bearer_methods_supported: ['header'],
        scopes_supported: ['analytics.run', 'orders.read'],
        dpop_bound_access_tokens_required: false,
      });
    },
  );

  it('never lists a secret: the client secret and id stay out', () => {
    const text = JSON.stringify(metadataOf({ mode: 'introspection' }));
    expect(text).not.toContain('do-not-publish');
    expect(text).not.toContain('clientAuth');
  });

  it('announces the DPoP algorithms when DPoP is allowed, and requires bound tokens only when required', () => {
    expect(metadataOf({ dpop: { policy: 'allowed', algorithms: ['ES256', 'EdDSA'] } })).toMatchObject({
      dpop_signing_alg_values_supported: ['ES256', 'EdDSA'],
      dpop_bound_access_tokens_required: false,
    });
    expect(metadataOf({ dpop: { policy: 'required' } })).toMatchObject({
      dpop_signing_alg_values_supported: ['ES256', 'PS256', 'RS256', 'EdDSA'],
      dpop_bound_access_tokens_required: true,
    });
    expect(metadataOf({ dpop: { policy: 'off' } })).not.toHaveProperty('dpop_signing_alg_values_supported');
  });

  it('lists every accepted realm by its issuer, the home realm first', () => {
    const metadata = metadataOf({
      issuer: 'https://login.example.com/realms/s2s',
      additionalRealms: [
        { realm: 'partners' },
        { realm: 'legacy', url: 'http://old:8080', issuer: 'https://old.example.com/realms/legacy' },
      ],
    });
    expect(metadata.authorization_servers).toEqual([
      'https://login.example.com/realms/s2s',
      'http://keycloak:8080/realms/partners',
      'https://old.example.com/realms/legacy',
    ]);
  });

  it('leaves scopes_supported out when no route asks for a scope', () => {
    expect(metadataOf({})).not.toHaveProperty('scopes_supported');
  });

  it('takes the scopes, the name and further fields from the option, the library’s fields kept', () => {
    const metadata = metadataOf(
      {
        resourceMetadata: {
          scopes: ['orders.write', 'orders.read'],
          resourceName: 'Orders',
          extra: { resource_documentation: 'https://docs.example.com/orders' },
        },
      },
      ['ignored.scope'],
    );
    expect(metadata).toEqual({
      resource: 'https://orders.example.com',
      authorization_servers: [HOME],
      bearer_methods_supported: ['header'],
      scopes_supported: ['orders.write', 'orders.read'],
      dpop_bound_access_tokens_required: false,
      resource_name: 'Orders',
      resource_documentation: 'https://docs.example.com/orders',
    });
  });
});

describe('the metadata URL of a resource identifier (RFC 9728 §3.1)', () => {
  it.each([
    ['https://orders.example.com', 'https://orders.example.com/.well-known/oauth-protected-resource'],
    ['https://orders.example.com/', 'https://orders.example.com/.well-known/oauth-protected-resource'],
    ['http://127.0.0.1:3002', 'http://127.0.0.1:3002/.well-known/oauth-protected-resource'],
    ['https://api.example.com/orders', 'https://api.example.com/.well-known/oauth-protected-resource/orders'],
    [
      'https://api.example.com/tenants/acme/orders',
      'https://api.example.com/.well-known/oauth-protected-resource/tenants/acme/orders',
    ],
    [
      'https://api.example.com/orders?v=2',
      'https://api.example.com/.well-known/oauth-protected-resource/orders?v=2',
    ],
  ])('%s → %s', (resource, url) => {
    expect(resourceMetadataUrl(resource)).toBe(url);
    expect(resourceMetadataPath(resource)).toBe(new URL(url).pathname);
  });
});

describe('the option resourceMetadata', () => {
  it('defaults to served, the identifier taken from the request', () => {
    expect(resolveKeycloakAuthOptions(BASE).resourceMetadata).toEqual({
      resource: undefined,
      scopes: undefined,
      resourceName: undefined,
      extra: {},
    });
  });

  it('is turned off with false', () => {
    expect(resolveKeycloakAuthOptions({ ...BASE, resourceMetadata: false }).resourceMetadata).toBe(false);
  });

  it('keeps the identifier as it is spelled (clients compare it with the URL they called)', () => {
    const options = resolveKeycloakAuthOptions({
      ...BASE,
      resourceMetadata: { resource: 'https://Orders.example.com' },
    });
    expect(options.resourceMetadata).toMatchObject({ resource: 'https://Orders.example.com' });
  });

  it.each([
    ['an identifier that is no URL', { resource: 'orders' }, 'resourceMetadata.resource'],
    [
      'an identifier with a fragment',
      { resource: 'https://orders.example.com/#x' },
      'resourceMetadata.resource',
    ],
    ['an identifier of another scheme', { resource: 'urn:orders' }, 'resourceMetadata.resource'],
    ['a scope with a space', { scopes: ['orders read'] }, 'resourceMetadata.scopes'],
    ['an empty name', { resourceName: '' }, 'resourceMetadata.resourceName'],
    [
      'a field the library fills in',
      { extra: { authorization_servers: ['https://evil.example.com'] } },
      'resourceMetadata.extra',
    ],
    [
      'extra fields that are no object',
      { extra: ['x'] as unknown as Record<string, unknown> },
      'resourceMetadata.extra',
    ],
  ])('refuses %s, naming the key', (_name, resourceMetadata, key) => {
    expect(problemsOf({ resourceMetadata })).toEqual([key]);
  });

  it('refuses a value that is neither false nor an object', () => {
    expect(problemsOf({ resourceMetadata: true as unknown as false })).toEqual(['resourceMetadata']);
  });
});

import { LocalIdp, type LocalIdpOptions } from 'nest-keycloak-s2s/testing';

/**
 * LocalIdp as this repository's unit tests use it: realm `s2s`, tokens of service-a calling service-b for alice
 * (orders.read, realm role orders-user, service-b's client role admin), module options of service-b.
 */
export const S2S_IDP = {
  realm: 's2s',
  claims: {
    aud: 'service-b',
    azp: 'service-a',
    sub: 'user-1',
    scope: 'orders.read profile',
    preferred_username: 'alice',
    realm_access: { roles: ['orders-user'] },
    resource_access: { 'service-b': { roles: ['admin'] } },
  },
  moduleOptions: {
    clientId: 'service-b',
    clientAuth: { method: 'client_secret_basic', secret: 'b-secret' },
    mode: 'jwt',
    audience: 'service-b',
  },
} as const satisfies LocalIdpOptions;

/** A LocalIdp with this repository's defaults ({@link S2S_IDP}); `options` override them key by key. */
export function startS2sIdp(options: LocalIdpOptions = {}): Promise<LocalIdp> {
  return LocalIdp.start({
    ...S2S_IDP,
    ...options,
    claims: { ...S2S_IDP.claims, ...options.claims },
    moduleOptions: { ...S2S_IDP.moduleOptions, ...options.moduleOptions },
  });
}

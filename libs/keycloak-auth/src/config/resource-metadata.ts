import type { ResolvedKeycloakAuthOptions } from './keycloak-auth.options';
import { PROTECTED_RESOURCE_METADATA_PATH, ProtectedResourceMetadata } from './resource-metadata.options';

// RFC 9728 (OAuth 2.0 Protected Resource Metadata): what this service tells a client about itself — its
// identifier, the authorization servers (realms) whose tokens it takes, the scopes its routes ask for and how a
// token is presented — at a well-known URL, named in every challenge (`resource_metadata`).

/**
 * The URL of the metadata of the resource `resource` (RFC 9728 §3.1): the well-known suffix inserted between the
 * host and the path (a path of `/` alone is dropped), the query kept.
 */
export function resourceMetadataUrl(resource: string): string {
  const url = new URL(resource);
  return `${url.origin}${resourceMetadataPath(resource)}${url.search}`;
}

/** The path of {@link resourceMetadataUrl}: what the service answers on for `resource`. */
export function resourceMetadataPath(resource: string): string {
  const path = new URL(resource).pathname;
  return `${PROTECTED_RESOURCE_METADATA_PATH}${path === '/' ? '' : path}`;
}

/**
 * The metadata document of a service (RFC 9728 §2) with the resolved `options`, for the resource identifier
 * `resource` and the scopes its routes ask for (`routeScopes`, used unless the option `scopes` lists them).
 */
export function protectedResourceMetadata(
  options: Pick<ResolvedKeycloakAuthOptions, 'resourceMetadata' | 'realms' | 'dpop'>,
  resource: string,
  routeScopes: readonly string[] = [],
): ProtectedResourceMetadata {
  const own = options.resourceMetadata === false ? undefined : options.resourceMetadata;
  const scopes = own?.scopes ? [...new Set(own.scopes)] : [...new Set(routeScopes)].sort();
  return {
    ...own?.extra,
    resource,
    authorization_servers: options.realms.map((realm) => realm.issuer),
    bearer_methods_supported: ['header'],
    ...(scopes.length > 0 ? { scopes_supported: scopes } : {}),
    ...(options.dpop.policy === 'off'
      ? {}
      : { dpop_signing_alg_values_supported: [...options.dpop.algorithms] }),
    dpop_bound_access_tokens_required: options.dpop.policy === 'required',
    ...(own?.resourceName !== undefined ? { resource_name: own.resourceName } : {}),
  };
}

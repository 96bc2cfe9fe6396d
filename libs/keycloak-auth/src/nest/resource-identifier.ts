import { ResolvedKeycloakAuthOptions } from '../config/keycloak-auth.options';
import { resourceMetadataUrl } from '../config/resource-metadata';
import { HtuRequest, requestOrigin } from '../verification/htu';

/**
 * The resource identifier of this service for `request` (RFC 9728 §2 `resource`): the configured one, else the
 * origin the request was sent to (`dpop.origin`, else its protocol and Host header). Undefined when the metadata is
 * turned off, or when nothing configured and no request (or a request without a usable Host header).
 */
/** What the resource identifier is made of: the metadata's options and the DPoP origin. */
export type ResourceIdentifierSettings = Pick<ResolvedKeycloakAuthOptions, 'resourceMetadata' | 'dpop'>;

export function resourceOf(options: ResourceIdentifierSettings, request?: HtuRequest): string | undefined {
  if (options.resourceMetadata === false) return undefined;
  if (options.resourceMetadata.resource !== undefined) return options.resourceMetadata.resource;
  if (options.dpop.origin !== undefined) return options.dpop.origin;
  return request ? requestOrigin(request) : undefined;
}

/** The absolute URL of this service's metadata for `request` (RFC 9728 §3.1), as challenges name it. */
export function resourceMetadataUrlOf(
  options: ResourceIdentifierSettings,
  request?: HtuRequest,
): string | undefined {
  const resource = resourceOf(options, request);
  return resource === undefined ? undefined : resourceMetadataUrl(resource);
}

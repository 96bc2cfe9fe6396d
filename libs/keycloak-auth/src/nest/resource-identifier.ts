import { ResolvedKeycloakAuthOptions } from '../config/keycloak-auth.options';
import { resourceMetadataUrl } from '../config/resource-metadata';
import { HtuRequest, requestOrigin } from '../verification/htu';

/**
 * The resource identifier of this service for `request` (RFC 9728 §2 `resource`): the configured one, else the
 * origin the request was sent to (`dpopOrigin`, else its protocol and Host header). Undefined when the metadata is
 * turned off, or when nothing configured and no request (or a request without a usable Host header).
 */
export function resourceOf(options: ResolvedKeycloakAuthOptions, request?: HtuRequest): string | undefined {
  if (options.resourceMetadata === false) return undefined;
  if (options.resourceMetadata.resource !== undefined) return options.resourceMetadata.resource;
  if (options.dpopOrigin !== undefined) return options.dpopOrigin;
  return request ? requestOrigin(request) : undefined;
}

/** The absolute URL of this service's metadata for `request` (RFC 9728 §3.1), as challenges name it. */
export function resourceMetadataUrlOf(
  options: ResolvedKeycloakAuthOptions,
  request?: HtuRequest,
): string | undefined {
  const resource = resourceOf(options, request);
  return resource === undefined ? undefined : resourceMetadataUrl(resource);
}

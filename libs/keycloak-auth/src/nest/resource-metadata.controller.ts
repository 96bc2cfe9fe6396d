import { Controller, Get, Header, Inject, NotFoundException, Req, SetMetadata } from '@nestjs/common';
import { KEYCLOAK_AUTH_OPTIONS } from '../core/constants';
import { ResolvedKeycloakAuthOptions } from '../config/keycloak-auth.options';
import { protectedResourceMetadata, resourceMetadataPath } from '../config/resource-metadata';
import {
  PROTECTED_RESOURCE_METADATA_PATH,
  ProtectedResourceMetadata,
} from '../config/resource-metadata.options';
import type { HtuRequest } from '../verification/htu';
import { Public } from './public.decorator';
import { resourceOf } from './resource-identifier';
import { RouteScopes } from './route-scopes';

/**
 * The routes: the bare suffix, and the suffix followed by a resource path of up to four segments (named
 * parameters, the route syntax every Nest adapter reads alike).
 */
const ROUTES = [0, 1, 2, 3, 4].map((segments) =>
  [PROTECTED_RESOURCE_METADATA_PATH, ...Array.from({ length: segments }, (_, i) => `:segment${i}`)].join('/'),
);

/** Seconds a client or cache may reuse the metadata (RFC 9728 §7.10: cache it, with Cache-Control). */
export const RESOURCE_METADATA_MAX_AGE_SEC = 300;

/**
 * `GET /.well-known/oauth-protected-resource` (RFC 9728 §3): the service's Protected Resource Metadata, built from
 * the module's options; for a resource identifier with a path (of up to four segments), under that path. Public (a client reads it before
 * it has a token), cacheable, and 404 with the option `resourceMetadata: false`. Lists no secret: issuers,
 * scopes and algorithms only.
 */
/**
 * A discovery document, not an operation of the application's API: left out of an OpenAPI document the way
 * @nestjs/swagger's `@ApiExcludeController()` does it (its metadata key, so the library needs no @nestjs/swagger).
 */
const EXCLUDED_FROM_OPENAPI = SetMetadata('swagger/apiExcludeController', [true]);

@EXCLUDED_FROM_OPENAPI
@Controller()
export class ProtectedResourceMetadataController {
  constructor(
    @Inject(KEYCLOAK_AUTH_OPTIONS) private readonly options: ResolvedKeycloakAuthOptions,
    @Inject(RouteScopes) private readonly scopes: RouteScopes,
  ) {}

  @Public()
  @Get(ROUTES)
  @Header('cache-control', `public, max-age=${RESOURCE_METADATA_MAX_AGE_SEC}`)
  metadata(@Req() request: HtuRequest): ProtectedResourceMetadata {
    const resource = resourceOf(this.options, request);
    if (resource === undefined || !servedAt(request, resourceMetadataPath(resource)))
      throw new NotFoundException('no protected resource metadata here');
    return protectedResourceMetadata(this.options, resource, this.scopes.all());
  }
}

/**
 * Whether the request's path is `path` (RFC 9728 §3.1: the metadata of `https://host/orders` is at
 * `/.well-known/oauth-protected-resource/orders`, of `https://host` at the bare suffix). What precedes the
 * well-known suffix (a global prefix) is the application's.
 */
function servedAt(request: HtuRequest, path: string): boolean {
  const url = request.originalUrl ?? request.url ?? '';
  const requested = url.split('?')[0];
  const at = requested.indexOf(PROTECTED_RESOURCE_METADATA_PATH);
  return at >= 0 && requested.slice(at) === path;
}

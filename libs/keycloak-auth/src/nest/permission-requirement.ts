import type { Principal } from '../core/principal';

/**
 * The scopes of a permission chosen per request, from the request and the verified caller (as
 * nest-keycloak-connect's `@ConditionalScopes`).
 */
export type ScopesOfRequest = (request: unknown, principal: Principal) => readonly string[];

/** One `@RequirePermission`: a resource (a name or template) and its scopes. */
export interface PermissionRequirement {
  /** The resource's name or id; `{name}` is replaced by the route parameter `name` (`order:{id}`). */
  readonly resource: string;
  readonly scopes: readonly string[] | ScopesOfRequest;
}

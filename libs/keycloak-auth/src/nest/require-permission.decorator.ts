import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import type { EnforcementMode } from '../config/authz.options';
import { PERMISSION_ENFORCEMENT_KEY, REQUIRED_PERMISSIONS_KEY } from '../core/authz.constants';
import { KeycloakAuthzGuard } from './keycloak-authz.guard';
import type { PermissionRequirement, ScopesOfRequest } from './permission-requirement';

/** The classes and handlers given the guard already: one guard each, however many permissions they require. */
const guarded = new WeakSet<object>();

/**
 * The caller must hold this permission at Keycloak's Authorization Services: `resource` with every scope, decided
 * by Keycloak (cached) or read from an RPT. On a controller it applies to every route; several are all required.
 * Needs `KeycloakAuthzModule`; the authentication guard runs first, so Keycloak is asked only about a verified
 * token. Refused: 403 `insufficient_scope` (code `permission_denied`); Keycloak unreachable: 503 `idp_unavailable`.
 *
 * @example
 * ```ts
 * @RequireScopes('orders.read')
 * @RequirePermission('order:{id}', 'approve')
 * @Post('orders/:id/approve')
 * approve(@Param('id') id: string) {}
 *
 * // Scopes chosen per request and caller, as @ConditionalScopes did:
 * @RequirePermission('order', (_request, caller) => (caller.realmRoles.includes('admin') ? ['view:all'] : ['view']))
 * ```
 */
export function RequirePermission(resource: string, ...scopes: string[]): ClassDecorator & MethodDecorator;
export function RequirePermission(
  resource: string,
  scopes: ScopesOfRequest,
): ClassDecorator & MethodDecorator;
export function RequirePermission(
  resource: string,
  ...scopes: (string | ScopesOfRequest)[]
): ClassDecorator & MethodDecorator {
  const requirement: PermissionRequirement = {
    resource,
    scopes: typeof scopes[0] === 'function' ? scopes[0] : (scopes as string[]),
  };
  return (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const where: object = descriptor ? (descriptor.value as object) : target;
    const known = (Reflect.getMetadata(REQUIRED_PERMISSIONS_KEY, where) ?? []) as PermissionRequirement[];
    Reflect.defineMetadata(REQUIRED_PERMISSIONS_KEY, [...known, requirement], where);
    if (!guarded.has(where)) {
      guarded.add(where);
      if (descriptor) UseGuards(KeycloakAuthzGuard)(target, key!, descriptor);
      else UseGuards(KeycloakAuthzGuard)(target as () => void);
    }
    return descriptor as never;
  };
}

/** This route's (or controller's) enforcement mode, instead of the module's `enforcement`. */
export const PermissionEnforcement = (mode: EnforcementMode) =>
  applyDecorators(SetMetadata(PERMISSION_ENFORCEMENT_KEY, mode));

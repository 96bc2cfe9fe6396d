import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InsufficientScopeError } from '../errors';
import { ALLOWED_CALLERS_KEY, REQUIRED_ROLES_KEY, REQUIRED_SCOPES_KEY } from '../keycloak-auth.constants';
import { Principal } from '../principal';

/**
 * Enforces a route's `@RequireScopes`, `@Roles` and `@AllowedCallers` on a verified principal, throwing the
 * 403 {@link InsufficientScopeError} of the first one it fails. Shared by every guard that authenticates a route.
 */
export function assertRouteRequirements(
  reflector: Reflector,
  context: ExecutionContext,
  principal: Principal,
): void {
  const metadata = <T>(key: string) =>
    reflector.getAllAndOverride<T>(key, [context.getHandler(), context.getClass()]);
  const scopes = metadata<string[]>(REQUIRED_SCOPES_KEY) ?? [];
  const missing = scopes.filter((s) => !principal.scopes.includes(s));
  if (missing.length > 0) {
    throw new InsufficientScopeError('insufficient_scope', `token lacks scope ${missing.join(' ')}`, scopes);
  }
  const roles = metadata<string[]>(REQUIRED_ROLES_KEY);
  if (roles && roles.length > 0 && !roles.some((role) => hasRole(principal, role))) {
    throw new InsufficientScopeError('insufficient_role', `requires role ${roles.join(' or ')}`);
  }
  const callers = metadata<string[]>(ALLOWED_CALLERS_KEY);
  if (callers && callers.length > 0) {
    if (!callers.includes(principal.clientId))
      throw new InsufficientScopeError(
        'caller_not_allowed',
        `caller ${principal.clientId} is not allowed here`,
      );
    // A delegated token (RFC 8693 `act`): the party acting now must be allowed as well.
    const actor = principal.actors[0];
    if (actor !== undefined && !callers.includes(actor))
      throw new InsufficientScopeError('caller_not_allowed', `actor ${actor} is not allowed here`);
  }
}

function hasRole(principal: Principal, role: string): boolean {
  const split = role.indexOf(':');
  if (split < 0) return principal.realmRoles.includes(role);
  return principal.clientRoles[role.slice(0, split)]?.includes(role.slice(split + 1)) ?? false;
}

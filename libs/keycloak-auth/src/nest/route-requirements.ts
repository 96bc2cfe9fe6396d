import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DpopPolicy } from '../config/dpop.options';
import type { ExchangeTarget } from '../client/token-exchange.service';
import { InsufficientScopeError } from '../core/errors';
import {
  ALLOWED_CALLERS_KEY,
  DPOP_POLICY_KEY,
  EXCHANGE_TOKEN_KEY,
  ACCESS_TOKEN_KEY,
  IS_PUBLIC_KEY,
  OPTIONAL_AUTHENTICATION_KEY,
  REQUIRED_ROLES_KEY,
  ROLES_MATCH_KEY,
  REQUIRED_SCOPES_KEY,
} from '../core/constants';
import { Principal } from '../core/principal';
import { REQUIRED_PERMISSIONS_KEY } from '../core/authz.constants';

/** What a route's decorators ask of its callers, read once per route (handler and class). */
export interface RouteRules {
  /** `@Public()`. */
  readonly isPublic: boolean;
  /** `@Public({ authentication: 'optional' })`: a token, when the request carries one, is verified. */
  readonly optionalAuthentication: boolean;
  /** `@Dpop()`, when the route sets one (else the module's option applies). */
  readonly dpop?: DpopPolicy;
  /** `@RequireScopes`: all of them. */
  readonly scopes: readonly string[];
  /** `@Roles`: any one of them, or all of them when `rolesMatch` is `all`. */
  readonly roles: readonly string[];
  /** `@Roles(..., { match })`. */
  readonly rolesMatch: 'any' | 'all';
  /** `@AccessToken()` in the handler: the request keeps its verified token. */
  readonly readsToken: boolean;
  /** `@AllowedCallers`: the `azp` (and the acting party of a delegated token) must be one of them. */
  readonly callers: readonly string[];
  /** `@ExchangeToken`: what the route exchanges the verified token for (its request must keep the token). */
  readonly exchange?: ExchangeTarget;
  /** Whether a later step reads the verified token: `@ExchangeToken`, or `@RequirePermission` (authz). */
  readonly keepToken: boolean;
}

// Decorators write their metadata when the classes are defined; a route's rules are read on its first request
// and kept, so a request costs no metadata lookups (five of them, each on the handler and on the class).
const rulesByClass = new WeakMap<object, WeakMap<object, RouteRules>>();

/** The rules of the route an execution context is for (`getAllAndOverride`: the handler's, else its class's). */
export function routeRules(reflector: Reflector, context: ExecutionContext): RouteRules {
  const handler = context.getHandler();
  const type = context.getClass();
  let byHandler = rulesByClass.get(type);
  const known = byHandler?.get(handler);
  if (known) return known;
  const metadata = <T>(key: string) => reflector.getAllAndOverride<T>(key, [handler, type]);
  const exchange = metadata<ExchangeTarget>(EXCHANGE_TOKEN_KEY);
  const rules: RouteRules = {
    isPublic: metadata<boolean>(IS_PUBLIC_KEY) === true,
    optionalAuthentication: metadata<boolean>(OPTIONAL_AUTHENTICATION_KEY) === true,
    dpop: metadata<DpopPolicy>(DPOP_POLICY_KEY),
    scopes: metadata<string[]>(REQUIRED_SCOPES_KEY) ?? [],
    roles: metadata<string[]>(REQUIRED_ROLES_KEY) ?? [],
    rolesMatch: metadata<'any' | 'all'>(ROLES_MATCH_KEY) === 'all' ? 'all' : 'any',
    // On the handler only: the parameter decorator marks the method it is in.
    readsToken: reflector.get<boolean>(ACCESS_TOKEN_KEY, handler) === true,
    callers: metadata<string[]>(ALLOWED_CALLERS_KEY) ?? [],
    exchange,
    keepToken: exchange !== undefined || metadata<unknown[]>(REQUIRED_PERMISSIONS_KEY) !== undefined,
  };
  if (!byHandler) rulesByClass.set(type, (byHandler = new WeakMap()));
  byHandler.set(handler, rules);
  return rules;
}

/**
 * Enforces a route's `@RequireScopes`, `@Roles` and `@AllowedCallers` on a verified principal, throwing the
 * 403 {@link InsufficientScopeError} of the first one it fails. Shared by every guard that authenticates a route.
 */
export function assertRouteRequirements(
  reflector: Reflector,
  context: ExecutionContext,
  principal: Principal,
): void {
  assertRules(routeRules(reflector, context), principal);
}

/** {@link assertRouteRequirements} with the route's rules at hand. */
export function assertRules(rules: RouteRules, principal: Principal): void {
  const { scopes, roles, rolesMatch, callers } = rules;
  for (const scope of scopes) {
    if (principal.scopes.includes(scope)) continue;
    const missing = scopes.filter((s) => !principal.scopes.includes(s));
    throw new InsufficientScopeError('insufficient_scope', `token lacks scope ${missing.join(' ')}`, scopes);
  }
  if (rolesMatch === 'all') {
    const missing = roles.filter((role) => !hasRole(principal, role));
    if (missing.length > 0)
      throw new InsufficientScopeError('insufficient_role', `requires role ${missing.join(' and ')}`);
  } else if (roles.length > 0 && !roles.some((role) => hasRole(principal, role))) {
    throw new InsufficientScopeError('insufficient_role', `requires role ${roles.join(' or ')}`);
  }
  if (callers.length > 0) {
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

import { CanActivate, ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import type { EnforcementMode, ResolvedKeycloakAuthzOptions } from '../config/authz.options';
import type { ChallengeSettings } from './challenge-offer';
import {
  KEYCLOAK_AUTHZ_OPTIONS,
  PERMISSION_ENFORCEMENT_KEY,
  REQUIRED_PERMISSIONS_KEY,
} from '../core/authz.constants';
import { KEYCLOAK_AUTH_OPTIONS } from '../core/constants';
import { InsufficientScopeError, InvalidTokenError } from '../core/errors';
import type { Principal } from '../core/principal';
import { Permission, permissionParameter } from '../client/permission';
import { PermissionCheck, PermissionDecisions } from '../client/permission-decisions';
import type { PushedClaims } from '../client/uma-decision.client';
import { AuthenticatedRequest, verifiedBearerToken, verifiedTokenDigest } from './bearer-token';
import { requestOf, setChallenge } from './request-context';
import type { PermissionRequirement } from './permission-requirement';

/** The request fields the guard reads besides the token: route parameters, method and path. */
interface AuthzRequest extends AuthenticatedRequest {
  params?: Record<string, string | undefined>;
  method?: string;
  originalUrl?: string;
  url?: string;
}

/** A route's permissions and mode, read once per route. */
interface PermissionRules {
  readonly requirements: readonly PermissionRequirement[];
  /** Per requirement, its permission when no request changes it (no `{name}`, fixed scopes). */
  readonly fixed: readonly (Permission | undefined)[];
  readonly enforcement?: EnforcementMode;
  /** `@RequirePermission` on the controller and on the route: the guard runs twice on each request. */
  readonly guardedTwice: boolean;
}

const rulesByClass = new WeakMap<object, WeakMap<object, PermissionRules>>();
/** Requests already decided, on routes whose guard runs twice (so that Keycloak is asked once). */
const decided = new WeakSet<object>();

/**
 * Enforces `@RequirePermission`: each permission is decided by Keycloak's Authorization Services for the verified
 * caller ({@link PermissionDecisions}: the token's RPT claim, the decision cache, then the UMA grant). It runs after
 * the authentication guard and refuses a request that guard did not accept (401, Keycloak not asked). Denied →
 * 403 `insufficient_scope` (code `permission_denied`), whose challenge names no resource; Keycloak unreachable →
 * 503 `idp_unavailable`, never a pass. In `permissive` mode a resource or scope Keycloak does not know passes, and
 * is logged. `@RequirePermission` puts it on its routes; override {@link getRequest} for another transport.
 */
@Injectable()
export class KeycloakAuthzGuard implements CanActivate {
  @Inject(Reflector) private readonly reflector!: Reflector;
  @Inject(HttpAdapterHost) private readonly adapterHost!: HttpAdapterHost;
  @Inject(KEYCLOAK_AUTH_OPTIONS) private readonly authOptions!: ChallengeSettings;
  @Inject(KEYCLOAK_AUTHZ_OPTIONS) private readonly options!: ResolvedKeycloakAuthzOptions;
  @Inject(PermissionDecisions) private readonly decisions!: PermissionDecisions;
  private readonly logger = new Logger('KeycloakAuthz');

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rules = this.rules(context);
    const mode = rules.enforcement ?? this.options.enforcement;
    if (rules.requirements.length === 0 || mode === 'disabled') return true;
    const request = this.getRequest(context);
    if (rules.guardedTwice && decided.has(request)) return true;
    try {
      const principal = request.principal;
      // Keycloak is asked only about a token this service verified, as the authentication guard (which runs
      // first) left it: never the header as such, which a guard that lets anonymous callers through did not verify.
      const token = verifiedBearerToken(request);
      if (!principal || token === undefined)
        throw new InvalidTokenError('token_missing', 'no verified access token');
      const permissions = rules.requirements.map(
        (r, i) => rules.fixed[i] ?? permissionOf(r, request, principal),
      );
      const subject = {
        token,
        digest: verifiedTokenDigest(request),
        claims: principal.claims,
        expiresAt: principal.expiresAt,
        issuer: principal.issuer,
      };
      const checks = await this.decisions.check(subject, permissions, this.pushedClaims(request, principal));
      for (const check of checks) this.enforce(check, mode);
      if (rules.guardedTwice) decided.add(request);
      return true;
    } catch (error) {
      setChallenge(this.adapterHost, context, this.authOptions, error);
      throw error;
    }
  }

  /** The HTTP request of an execution context (a GraphQL resolver's from its context). */
  protected getRequest(context: ExecutionContext): AuthzRequest {
    return requestOf<AuthzRequest>(context);
  }

  private enforce(check: PermissionCheck, mode: EnforcementMode): void {
    if (check.verdict === 'allowed') return;
    if (check.verdict === 'unknown_resource' && mode === 'permissive') {
      // Once per decision Keycloak made, not on every request the cache answers.
      if (check.source === 'cache') return;
      const what = permissionParameter(check.permission);
      this.logger.warn(`Keycloak knows no resource or scope of ${what}: let through (permissive mode)`);
      return;
    }
    throw new InsufficientScopeError(
      'permission_denied',
      'the permission this route requires is not granted',
    );
  }

  private pushedClaims(request: AuthzRequest, principal: Principal): PushedClaims | undefined {
    const { method, path, user } = this.options.claims;
    if (!method && !path && !user) return undefined;
    const claims: Record<string, readonly string[]> = {};
    if (method && request.method) claims['http.method'] = [request.method];
    if (path) claims['http.uri'] = [(request.originalUrl ?? request.url ?? '').split('?', 1)[0]];
    for (const [name, value] of Object.entries(user?.(request, principal) ?? {}))
      claims[name] = typeof value === 'string' ? [value] : value;
    return claims;
  }

  private rules(context: ExecutionContext): PermissionRules {
    const handler = context.getHandler();
    const type = context.getClass();
    let byHandler = rulesByClass.get(type);
    const known = byHandler?.get(handler);
    if (known) return known;
    const requirements = this.reflector.getAllAndMerge<PermissionRequirement[]>(REQUIRED_PERMISSIONS_KEY, [
      type,
      handler,
    ]);
    const rules: PermissionRules = {
      requirements,
      fixed: requirements.map(fixedPermission),
      enforcement: this.reflector.getAllAndOverride<EnforcementMode>(PERMISSION_ENFORCEMENT_KEY, [
        handler,
        type,
      ]),
      guardedTwice:
        this.reflector.get(REQUIRED_PERMISSIONS_KEY, type) !== undefined &&
        this.reflector.get(REQUIRED_PERMISSIONS_KEY, handler) !== undefined,
    };
    if (!byHandler) rulesByClass.set(type, (byHandler = new WeakMap()));
    byHandler.set(handler, rules);
    return rules;
  }
}

/** Characters that would change the meaning of the UMA `permission` parameter if a route parameter carried them. */
const PERMISSION_SYNTAX = /[#,]/;

/** The permission of a requirement no request changes: a resource without `{name}` and scopes given as a list. */
function fixedPermission(requirement: PermissionRequirement): Permission | undefined {
  const { resource, scopes } = requirement;
  return typeof scopes === 'function' || resource.includes('{') ? undefined : { resource, scopes };
}

/** The permission a requirement asks on this request: `{name}` filled from the route parameters. */
function permissionOf(
  requirement: PermissionRequirement,
  request: AuthzRequest,
  principal: Principal,
): Permission {
  const resource = requirement.resource.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = request.params?.[name];
    if (value === undefined)
      throw new Error(`keycloak-auth: no route parameter ${name} for resource ${requirement.resource}`);
    if (value === '' || PERMISSION_SYNTAX.test(value))
      throw new InsufficientScopeError('permission_denied', 'the route parameter cannot name a resource');
    return value;
  });
  const scopes =
    typeof requirement.scopes === 'function' ? requirement.scopes(request, principal) : requirement.scopes;
  return { resource, scopes };
}

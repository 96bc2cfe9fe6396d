import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { InsufficientScopeError, KeycloakAuthError } from '../errors';
import {
  ALLOWED_CALLERS_KEY,
  IS_PUBLIC_KEY,
  KEYCLOAK_AUTH_OPTIONS,
  REQUIRED_ROLES_KEY,
  REQUIRED_SCOPES_KEY,
  TOKEN_VERIFIER,
} from '../keycloak-auth.constants';
import { ResolvedKeycloakAuthOptions } from '../keycloak-auth.options';
import { Principal } from '../principal';
import { TokenVerifier } from '../strategies/token-verifier';
import { AuthenticatedRequest, extractBearerToken, rememberBearerToken } from './bearer-token';
import { requestOf, setChallenge } from './request-context';

/**
 * Authenticates the bearer token with the configured {@link TokenVerifier}, then enforces `@RequireScopes`,
 * `@Roles` and `@AllowedCallers`. Every refusal carries its RFC 6750 `WWW-Authenticate` challenge. Guards HTTP
 * routes and GraphQL resolvers alike (the request of a resolver is taken from its GraphQL context).
 */
@Injectable()
export class KeycloakAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
    @Inject(KEYCLOAK_AUTH_OPTIONS) private readonly options: ResolvedKeycloakAuthOptions,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    // A public route is answered at once: no promise to create and await on every request to it.
    if (this.metadata<boolean>(IS_PUBLIC_KEY, context)) return true;
    return this.authenticate(context);
  }

  private async authenticate(context: ExecutionContext): Promise<boolean> {
    const request = requestOf<AuthenticatedRequest>(context);
    try {
      const token = extractBearerToken(request);
      const principal = await this.verifier.verify(token);
      this.authorize(principal, context);
      request.principal = principal;
      rememberBearerToken(request, token);
      this.options.observer.authenticated({ mode: this.options.mode, outcome: 'accepted' });
      return true;
    } catch (error) {
      if (error instanceof KeycloakAuthError)
        this.options.observer.authenticated({ mode: this.options.mode, outcome: error.code });
      setChallenge(this.adapterHost, context, this.options.realm, error);
      throw error;
    }
  }

  private authorize(principal: Principal, context: ExecutionContext): void {
    const scopes = this.metadata<string[]>(REQUIRED_SCOPES_KEY, context) ?? [];
    const missing = scopes.filter((s) => !principal.scopes.includes(s));
    if (missing.length > 0) {
      throw new InsufficientScopeError(
        'insufficient_scope',
        `token lacks scope ${missing.join(' ')}`,
        scopes,
      );
    }
    const roles = this.metadata<string[]>(REQUIRED_ROLES_KEY, context);
    if (roles && roles.length > 0 && !roles.some((role) => hasRole(principal, role))) {
      throw new InsufficientScopeError('insufficient_role', `requires role ${roles.join(' or ')}`);
    }
    const callers = this.metadata<string[]>(ALLOWED_CALLERS_KEY, context);
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

  private metadata<T>(key: string, context: ExecutionContext): T | undefined {
    return this.reflector.getAllAndOverride<T>(key, [context.getHandler(), context.getClass()]);
  }
}

function hasRole(principal: Principal, role: string): boolean {
  const split = role.indexOf(':');
  if (split < 0) return principal.realmRoles.includes(role);
  return principal.clientRoles[role.slice(0, split)]?.includes(role.slice(split + 1)) ?? false;
}

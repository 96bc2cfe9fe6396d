import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { rememberRoutePolicy } from '../../guards/challenge-offer';
import { requestOf } from '../../guards/request-context';
import { KEYCLOAK_AUTH_OPTIONS } from '../../keycloak-auth.constants';
import { ResolvedKeycloakAuthOptions } from '../../keycloak-auth.options';
import { Principal } from '../../principal';
import { setChallenge } from '../../guards/request-context';
import { assertRouteRequirements, routeRules } from '../../guards/route-requirements';
import { KEYCLOAK_STRATEGY } from './keycloak.strategy';

/**
 * `AuthGuard('keycloak')` with the rest of `KeycloakAuthGuard`'s answers: `@Public()` routes pass,
 * `@RequireScopes` / `@Roles` / `@AllowedCallers` are enforced (403 insufficient_scope), `@Dpop()` applies, and every refusal carries
 * its RFC 6750 `WWW-Authenticate` challenge on Fastify and Express alike.
 */
@Injectable()
export class KeycloakPassportGuard extends AuthGuard(KEYCLOAK_STRATEGY) {
  constructor(
    private readonly reflector: Reflector,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(KEYCLOAK_AUTH_OPTIONS) private readonly keycloakOptions: ResolvedKeycloakAuthOptions,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const rules = routeRules(this.reflector, context);
    if (rules.isPublic) return true;
    // The strategy sees the request only: the route's DPoP policy travels with it.
    rememberRoutePolicy(requestOf(context), rules.dpop, this.keycloakOptions);
    return (await super.canActivate(context)) as boolean;
  }

  /** Called by AuthGuard with the strategy's outcome: the route's rules apply to the principal it verified. */
  override handleRequest<TUser = Principal>(
    error: unknown,
    principal: TUser,
    info: unknown,
    context: ExecutionContext,
  ): TUser {
    try {
      const verified = super.handleRequest<Principal>(error, principal, info, context);
      assertRouteRequirements(this.reflector, context, verified);
      return principal;
    } catch (refusal) {
      setChallenge(this.adapterHost, context, this.keycloakOptions, refusal);
      throw refusal;
    }
  }
}

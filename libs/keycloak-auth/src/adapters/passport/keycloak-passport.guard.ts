import { ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { Principal } from '../../index';
import { KeycloakAuthenticator } from '../../verification';
import { KEYCLOAK_STRATEGY } from './keycloak.strategy';

/**
 * `AuthGuard('keycloak')` with the rest of `KeycloakAuthGuard`'s answers: `@Public()` routes pass,
 * `@RequireScopes` / `@Roles` / `@AllowedCallers` are enforced (403 insufficient_scope), `@Dpop()` applies, and every refusal carries
 * its RFC 6750 `WWW-Authenticate` challenge on Fastify and Express alike.
 */
@Injectable()
export class KeycloakPassportGuard extends AuthGuard(KEYCLOAK_STRATEGY) {
  constructor(private readonly authenticator: KeycloakAuthenticator) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    // The strategy sees the request only: the route's DPoP policy travels with it.
    if (this.authenticator.enterRoute(context)) return true;
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
      this.authenticator.assertRouteRules(context, verified);
      return principal;
    } catch (refusal) {
      this.authenticator.setChallenge(context, refusal);
      throw refusal;
    }
  }
}

import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { IS_PUBLIC_KEY, KEYCLOAK_AUTH_OPTIONS, TOKEN_VERIFIER } from '../keycloak-auth.constants';
import { ResolvedKeycloakAuthOptions } from '../keycloak-auth.options';
import { TokenVerifier } from '../strategies/token-verifier';
import { authenticateRequest } from './authenticate-request';
import { AuthenticatedRequest } from './bearer-token';
import { requestOf, setChallenge } from './request-context';
import { assertRouteRequirements } from './route-requirements';

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
      await authenticateRequest(request, this.verifier, this.options, (principal) =>
        assertRouteRequirements(this.reflector, context, principal),
      );
      return true;
    } catch (error) {
      setChallenge(this.adapterHost, context, this.options.realm, error);
      throw error;
    }
  }

  private metadata<T>(key: string, context: ExecutionContext): T | undefined {
    return this.reflector.getAllAndOverride<T>(key, [context.getHandler(), context.getClass()]);
  }
}

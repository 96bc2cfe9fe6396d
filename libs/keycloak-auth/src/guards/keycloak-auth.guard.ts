import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { DpopPolicy } from '../dpop/dpop.options';
import { DpopProofVerifier } from '../dpop/dpop-proof.verifier';
import {
  DPOP_POLICY_KEY,
  IS_PUBLIC_KEY,
  KEYCLOAK_AUTH_OPTIONS,
  TOKEN_VERIFIER,
} from '../keycloak-auth.constants';
import { ResolvedKeycloakAuthOptions } from '../keycloak-auth.options';
import { TokenVerifier } from '../strategies/token-verifier';
import { authenticateRequest } from './authenticate-request';
import { AuthenticatedRequest } from './bearer-token';
import { requestOf, setChallenge } from './request-context';
import { assertRouteRequirements } from './route-requirements';

/**
 * Authenticates the access token (bearer, or DPoP-bound with its proof: `@Dpop()`, option `dpop`) with the configured {@link TokenVerifier}, then enforces `@RequireScopes`,
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
    private readonly proofs: DpopProofVerifier,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    // A public route is answered at once: no promise to create and await on every request to it.
    if (this.metadata<boolean>(IS_PUBLIC_KEY, context)) return true;
    return this.authenticate(context);
  }

  private async authenticate(context: ExecutionContext): Promise<boolean> {
    const request = requestOf<AuthenticatedRequest>(context);
    try {
      const policy = this.metadata<DpopPolicy>(DPOP_POLICY_KEY, context) ?? this.options.dpop;
      await authenticateRequest(
        request,
        { verifier: this.verifier, proofs: this.proofs, options: this.options },
        (principal) => assertRouteRequirements(this.reflector, context, principal),
        policy,
      );
      return true;
    } catch (error) {
      setChallenge(this.adapterHost, context, this.options, error);
      throw error;
    }
  }

  private metadata<T>(key: string, context: ExecutionContext): T | undefined {
    return this.reflector.getAllAndOverride<T>(key, [context.getHandler(), context.getClass()]);
  }
}

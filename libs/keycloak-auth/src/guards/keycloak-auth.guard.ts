import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { DpopPolicy } from '../dpop/dpop.options';
import { DpopProofVerifier } from '../dpop/dpop-proof.verifier';
import { KEYCLOAK_AUTH_OPTIONS, TOKEN_VERIFIER } from '../keycloak-auth.constants';
import { ResolvedKeycloakAuthOptions } from '../keycloak-auth.options';
import { Principal } from '../principal';
import { TokenVerifier } from '../strategies/token-verifier';
import { authenticateFromCache, authenticateRequest, RequestAuthenticators } from './authenticate-request';
import { AuthenticatedRequest, routeKeepsToken } from './bearer-token';
import { rememberRoutePolicy } from './challenge-offer';
import { requestOf, setChallenge } from './request-context';
import { assertRules, routeRules } from './route-requirements';

/**
 * Authenticates the access token (bearer, or DPoP-bound with its proof: `@Dpop()`, option `dpop`) with the
 * configured {@link TokenVerifier}, then enforces `@RequireScopes`, `@Roles` and `@AllowedCallers`. Every refusal
 * carries its RFC 6750 `WWW-Authenticate` challenge. Guards HTTP routes and GraphQL resolvers alike (the request
 * of a resolver is taken from its GraphQL context).
 */
@Injectable()
export class KeycloakAuthGuard implements CanActivate {
  private readonly authenticators: RequestAuthenticators;

  constructor(
    private readonly reflector: Reflector,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(TOKEN_VERIFIER) verifier: TokenVerifier,
    @Inject(KEYCLOAK_AUTH_OPTIONS) private readonly options: ResolvedKeycloakAuthOptions,
    proofs: DpopProofVerifier,
  ) {
    this.authenticators = { verifier, proofs, options };
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const rules = routeRules(this.reflector, context);
    // A public route is answered at once, and so is a bearer token verified before: no promise to create and
    // await on such requests, the most frequent ones.
    if (rules.isPublic) return true;
    const request = requestOf<AuthenticatedRequest>(context);
    const policy = rules.dpop ?? this.options.dpop;
    rememberRoutePolicy(request, policy, this.options);
    const check = (principal: Principal) => assertRules(rules, principal);
    try {
      const keepToken = routeKeepsToken(rules.exchange !== undefined);
      if (authenticateFromCache(request, this.authenticators, check, policy, keepToken)) return true;
    } catch (error) {
      setChallenge(this.adapterHost, context, this.options, error);
      throw error;
    }
    return this.authenticate(context, request, check, policy);
  }

  private async authenticate(
    context: ExecutionContext,
    request: AuthenticatedRequest,
    check: (principal: Principal) => void,
    policy: DpopPolicy,
  ): Promise<boolean> {
    try {
      await authenticateRequest(request, this.authenticators, check, policy);
      return true;
    } catch (error) {
      setChallenge(this.adapterHost, context, this.options, error);
      throw error;
    }
  }
}

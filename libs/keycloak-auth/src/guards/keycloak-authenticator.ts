import { Inject, Injectable } from '@nestjs/common';
import { DpopPolicy } from '../dpop/dpop.options';
import { DpopProofVerifier } from '../dpop/dpop-proof.verifier';
import { KEYCLOAK_AUTH_OPTIONS, TOKEN_VERIFIER } from '../keycloak-auth.constants';
import { ResolvedKeycloakAuthOptions } from '../keycloak-auth.options';
import { Principal } from '../principal';
import { TokenVerifier } from '../strategies/token-verifier';
import { authenticateFromCache, authenticateRequest, RequestAuthenticators } from './authenticate-request';
import { AuthenticatedRequest } from './bearer-token';

/**
 * Authenticates a request's credential as `KeycloakAuthGuard` does — the Authorization header's rules, the
 * configured verifier with its caches, the DPoP proof the route's policy asks for — and leaves the principal where
 * `@CurrentPrincipal()` and token exchange look. For code that sees a request without its route: a passport
 * strategy, a gateway. Route rules (`@RequireScopes`, `@Roles`, …) are the guard's.
 */
@Injectable()
export class KeycloakAuthenticator {
  private readonly parts: RequestAuthenticators;

  constructor(
    @Inject(TOKEN_VERIFIER) verifier: TokenVerifier,
    @Inject(KEYCLOAK_AUTH_OPTIONS) options: ResolvedKeycloakAuthOptions,
    @Inject(DpopProofVerifier) proofs: DpopProofVerifier,
  ) {
    this.parts = { verifier, proofs, options };
  }

  /**
   * The request's principal, or a `KeycloakAuthError` refusal. `check` runs on the principal before it is
   * accepted (a guard's route rules); `policy` is the route's DPoP policy when the caller knows the route.
   */
  authenticate(
    request: AuthenticatedRequest,
    check?: (principal: Principal) => void,
    policy?: DpopPolicy,
  ): Promise<Principal> {
    return authenticateRequest(request, this.parts, check, policy);
  }

  /**
   * {@link authenticate} without a promise, for a bearer token verified before (the hot path); undefined when
   * only {@link authenticate} can tell. The token is kept for token exchange only when `keepToken`.
   */
  authenticateFromCache(
    request: AuthenticatedRequest,
    check: (principal: Principal) => void,
    policy: DpopPolicy,
    keepToken = true,
  ): Principal | undefined {
    return authenticateFromCache(request, this.parts, check, policy, keepToken);
  }
}

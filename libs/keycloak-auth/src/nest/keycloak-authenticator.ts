import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import type { DpopPolicy } from '../config/dpop.options';
import type { AuthenticationSettings } from './authenticate-request';
import type { ChallengeSettings } from './challenge-offer';
import { KEYCLOAK_AUTH_OPTIONS, TOKEN_VERIFIER } from '../core/constants';
import type { Principal } from '../core/principal';
import type { TokenVerifier } from '../verification/token-verifier';
import { DpopProofVerifier } from '../verification/dpop-proof.verifier';
import { authenticateFromCache, authenticateRequest, RequestAuthenticators } from './authenticate-request';
import { AuthenticatedRequest, verifiedBearerToken } from './bearer-token';
import { rememberRoutePolicy } from './challenge-offer';
import { requestOf, setChallenge, setChallengeOn } from './request-context';
import { assertRouteRequirements, routeRules } from './route-requirements';

/**
 * Authenticates a request's credential as `KeycloakAuthGuard` does — the Authorization header's rules, the
 * configured verifier with its caches, the DPoP proof the route's policy asks for — and leaves the principal where
 * `@CurrentPrincipal()` and token exchange look. For code that authenticates outside the guard (a passport
 * strategy and its guard, a gateway): the route's rules and its `WWW-Authenticate` challenge are here too.
 *
 * @example
 * ```ts
 * async validate(request: AuthenticatedRequest): Promise<Principal> {
 *   return this.authenticator.authenticate(request);
 * }
 * ```
 */
@Injectable()
export class KeycloakAuthenticator {
  private readonly parts: RequestAuthenticators;

  constructor(
    @Inject(TOKEN_VERIFIER) verifier: TokenVerifier,
    @Inject(KEYCLOAK_AUTH_OPTIONS) private readonly options: AuthenticationSettings & ChallengeSettings,
    @Inject(DpopProofVerifier) proofs: DpopProofVerifier,
    private readonly reflector: Reflector,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.parts = { verifier, proofs, options };
  }

  /**
   * The request's principal, or a `KeycloakAuthError` refusal. `check` runs on the principal before it is
   * accepted (a guard's route rules); `policy` is the route's DPoP policy when the caller knows the route (else
   * the one {@link enterRoute} noted, else the module's).
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

  /**
   * Reads the route of `context` once: true for a `@Public()` route (nothing to check); otherwise notes the
   * route's DPoP policy on its request, for a strategy that sees the request only.
   */
  enterRoute(context: ExecutionContext): boolean {
    const rules = routeRules(this.reflector, context);
    if (rules.isPublic) return true;
    rememberRoutePolicy(requestOf(context), rules.dpop, this.options);
    return false;
  }

  /** Throws the 403 refusal when `principal` lacks what the route's `@RequireScopes`, `@Roles` or `@AllowedCallers` ask. */
  assertRouteRules(context: ExecutionContext, principal: Principal): void {
    assertRouteRequirements(this.reflector, context, principal);
  }

  /** Puts the RFC 6750 `WWW-Authenticate` challenge of a library error on the response of `context`. */
  setChallenge(context: ExecutionContext, error: unknown): void {
    setChallenge(this.adapterHost, context, this.options, error);
  }

  /** {@link setChallenge} for code that holds the response but no execution context (Express' `request.res`). */
  setChallengeOn(response: object, error: unknown, request?: AuthenticatedRequest): void {
    setChallengeOn(this.adapterHost, response, this.options, error, request);
  }

  /** The HTTP request behind `context` (a route's, or a GraphQL resolver's from its context). */
  requestOf<T extends object = AuthenticatedRequest>(context: ExecutionContext): T {
    return requestOf<T>(context);
  }

  /** The access token verified for `request` on a route that keeps it (see `KEEP_VERIFIED_TOKENS`). */
  verifiedToken(request: object): string | undefined {
    return verifiedBearerToken(request);
  }
}

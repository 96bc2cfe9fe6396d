import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-custom';
import { DpopProofVerifier } from '../../dpop/dpop-proof.verifier';
import { authenticateRequest } from '../../guards/authenticate-request';
import { AuthenticatedRequest } from '../../guards/bearer-token';
import { setChallengeOn } from '../../guards/request-context';
import { KEYCLOAK_AUTH_OPTIONS, TOKEN_VERIFIER } from '../../keycloak-auth.constants';
import { ResolvedKeycloakAuthOptions } from '../../keycloak-auth.options';
import { Principal } from '../../principal';
import { TokenVerifier } from '../../strategies/token-verifier';

/** The passport name of {@link KeycloakStrategy}: `AuthGuard('keycloak')`. */
export const KEYCLOAK_STRATEGY = 'keycloak';

/** The request as passport hands it over; Express' request links its response, Fastify's does not. */
type PassportRequest = AuthenticatedRequest & { res?: object };

/**
 * The library's bearer-token authentication as a passport strategy: the same header rules, the same
 * `TOKEN_VERIFIER` (with its caches) and the same typed 401 errors as `KeycloakAuthGuard`, and the principal
 * left where `@CurrentPrincipal()` and the exchange interceptor look. It sees the request only, never the route,
 * so route rules (`@RequireScopes`, `@Roles`, `@AllowedCallers`) are `KeycloakPassportGuard`'s job.
 */
@Injectable()
export class KeycloakStrategy extends PassportStrategy(Strategy, KEYCLOAK_STRATEGY) {
  constructor(
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
    @Inject(KEYCLOAK_AUTH_OPTIONS) private readonly options: ResolvedKeycloakAuthOptions,
    private readonly adapterHost: HttpAdapterHost,
    private readonly proofs: DpopProofVerifier,
  ) {
    super();
  }

  /** Verifies the request's bearer token; what it returns becomes `request.user` (and `request.principal`). */
  async validate(request: PassportRequest): Promise<Principal> {
    try {
      const authenticators = { verifier: this.verifier, proofs: this.proofs, options: this.options };
      return await authenticateRequest(request, authenticators);
    } catch (error) {
      // A strategy is handed no response: only Express' request links one. On Fastify the challenge is set by
      // KeycloakPassportGuard, which sees the execution context.
      if (request.res) setChallengeOn(this.adapterHost, request.res, this.options, error, request);
      throw error;
    }
  }
}

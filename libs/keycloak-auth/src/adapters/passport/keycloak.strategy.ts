import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-custom';
import type { Principal } from '../../index';
import { AuthenticatedRequest, KeycloakAuthenticator } from '../../verification';

/** The passport name of {@link KeycloakStrategy}: `AuthGuard('keycloak')`. */
export const KEYCLOAK_STRATEGY = 'keycloak';

/** The request as passport hands it over; Express' request links its response, Fastify's does not. */
type PassportRequest = AuthenticatedRequest & { res?: object };

/**
 * The library's bearer-token authentication as a passport strategy: the same header rules, the same
 * verifier (with its caches) and the same typed 401 errors as `KeycloakAuthGuard`, and the principal
 * left where `@CurrentPrincipal()` and the exchange interceptor look. It sees the request only, never the route,
 * so route rules (`@RequireScopes`, `@Roles`, `@AllowedCallers`) are `KeycloakPassportGuard`'s job.
 */
@Injectable()
export class KeycloakStrategy extends PassportStrategy(Strategy, KEYCLOAK_STRATEGY) {
  constructor(private readonly authenticator: KeycloakAuthenticator) {
    super();
  }

  /** Verifies the request's bearer token; what it returns becomes `request.user` (and `request.principal`). */
  async validate(request: PassportRequest): Promise<Principal> {
    try {
      return await this.authenticator.authenticate(request);
    } catch (error) {
      // A strategy is handed no response: only Express' request links one. On Fastify the challenge is set by
      // KeycloakPassportGuard, which sees the execution context.
      if (request.res) this.authenticator.setChallengeOn(request.res, error, request);
      throw error;
    }
  }
}

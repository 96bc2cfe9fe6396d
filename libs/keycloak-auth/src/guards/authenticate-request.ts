import { KeycloakAuthError } from '../errors';
import { ResolvedKeycloakAuthOptions } from '../keycloak-auth.options';
import { Principal } from '../principal';
import { TokenVerifier } from '../strategies/token-verifier';
import { AuthenticatedRequest, extractBearerToken, rememberBearerToken } from './bearer-token';

/**
 * Verifies the request's bearer token, runs `check` (a guard's route rules) on the principal, then leaves the
 * principal and the token where `@CurrentPrincipal()` and the exchange interceptor look. The observer hears every
 * outcome; the caller answers a refusal (its RFC 6750 challenge depends on what it can reach of the response).
 */
export async function authenticateRequest(
  request: AuthenticatedRequest,
  verifier: TokenVerifier,
  options: ResolvedKeycloakAuthOptions,
  check?: (principal: Principal) => void,
): Promise<Principal> {
  try {
    const token = extractBearerToken(request);
    const principal = await verifier.verify(token);
    check?.(principal);
    request.principal = principal;
    rememberBearerToken(request, token);
    options.observer.authenticated({ mode: options.mode, outcome: 'accepted' });
    return principal;
  } catch (error) {
    if (error instanceof KeycloakAuthError)
      options.observer.authenticated({ mode: options.mode, outcome: error.code });
    throw error;
  }
}

import { KeycloakAuthError } from '../errors';
import { DpopPolicy } from '../dpop/dpop.options';
import { DpopProofVerifier } from '../dpop/dpop-proof.verifier';
import { assertSenderConstraint } from '../dpop/sender-constraint';
import { ResolvedKeycloakAuthOptions } from '../keycloak-auth.options';
import { Principal } from '../principal';
import { TokenVerifier } from '../strategies/token-verifier';
import { AuthenticatedRequest, extractCredential, rememberBearerToken } from './bearer-token';
import { dpopPolicyOf, offerFor, rememberOffer } from './challenge-offer';

/** What authenticates a request: the token verifier, the DPoP proof verifier and the resolved options. */
export interface RequestAuthenticators {
  verifier: TokenVerifier;
  proofs: DpopProofVerifier;
  options: ResolvedKeycloakAuthOptions;
}

/**
 * Verifies the request's access token (and, for a DPoP-bound one, its proof), runs `check` (a guard's route
 * rules) on the principal, then leaves the principal and the token where `@CurrentPrincipal()` and the exchange
 * interceptor look. `policy` is the route's DPoP policy when the caller sees the route. The observer hears every
 * outcome; the caller answers a refusal (its challenge depends on what it can reach of the response).
 */
export async function authenticateRequest(
  request: AuthenticatedRequest,
  { verifier, proofs, options }: RequestAuthenticators,
  check?: (principal: Principal) => void,
  policy: DpopPolicy = dpopPolicyOf(request, options),
): Promise<Principal> {
  rememberOffer(request, offerFor(policy, options, request));
  try {
    const credential = extractCredential(request);
    const principal = await verifier.verify(credential.token);
    await assertSenderConstraint(request, credential, principal, policy, proofs, options.dpopOrigin);
    check?.(principal);
    request.principal = principal;
    rememberBearerToken(request, credential.token);
    options.observer.authenticated({ mode: options.mode, outcome: 'accepted' });
    return principal;
  } catch (error) {
    if (error instanceof KeycloakAuthError)
      options.observer.authenticated({ mode: options.mode, outcome: error.code });
    throw error;
  }
}

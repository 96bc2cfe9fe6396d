import { InvalidTokenError, KeycloakAuthError } from '../core/errors';
import { DpopPolicy } from '../config/dpop.options';
import { DpopProofVerifier } from '../verification/dpop-proof.verifier';
import { assertBearerAllowed, assertSenderConstraint } from './sender-constraint';
import { ResolvedKeycloakAuthOptions } from '../config/keycloak-auth.options';
import { Principal } from '../core/principal';
import { TokenVerifier } from '../verification/token-verifier';
import {
  AuthenticatedRequest,
  extractCredential,
  keepVerifiedToken,
  rememberBearerToken,
  usualCredentialOf,
} from './bearer-token';
import { dpopPolicyOf } from './challenge-offer';
import { assertTokenOfRealm, realmOfRequest } from './request-realm';

/** What authenticates a request: the token verifier, the DPoP proof verifier and the resolved options. */
export interface RequestAuthenticators {
  verifier: TokenVerifier;
  proofs: DpopProofVerifier;
  options: AuthenticationSettings;
}

/** What authenticating a request needs of the resolved options: the mode and observer, the DPoP settings. */
export type AuthenticationSettings = Pick<
  ResolvedKeycloakAuthOptions,
  'mode' | 'observer' | 'dpop' | 'realms' | 'realmResolver'
>;

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
  try {
    const credential = extractCredential(request);
    const realm = realmOfRequest(request, options);
    if (realm) assertTokenOfRealm(credential.token, realm);
    // A token verified before (a DPoP-bound one, the fast path being for bearer tokens): no promise to await.
    const principal = verifier.cached?.(credential.token) ?? (await verifier.verify(credential.token));
    await assertSenderConstraint(request, credential, principal, policy, proofs, options.dpop.origin);
    check?.(principal);
    return accept(request, principal, credential.token, options);
  } catch (error) {
    throw refused(error, options);
  }
}

/**
 * {@link authenticateRequest} at once, for a bearer token the verifier holds verified (the hot path: no promise,
 * no regular expression, one hash); the token is kept for later steps only when `keepToken` (a route that reads
 * it: `@ExchangeToken`, or every route under `KEEP_VERIFIED_TOKENS`). Undefined when only the full path can tell — a token not cached, a DPoP
 * proof to check, an Authorization header of unusual form; throws the full path's refusal of a cached token.
 */
export function authenticateFromCache(
  request: AuthenticatedRequest,
  { verifier, options }: RequestAuthenticators,
  check: (principal: Principal) => void,
  policy: DpopPolicy,
  keepToken = true,
): Principal | undefined {
  const credential = usualCredentialOf(request);
  if (credential?.scheme !== 'Bearer' || verifier.cached === undefined) return undefined;
  let principal: Principal | undefined;
  try {
    principal = verifier.cached(credential.token);
    if (principal === undefined) return undefined;
    // A token verified for one request's realm is no pass for another's.
    const realm = realmOfRequest(request, options);
    if (realm && principal.issuer !== realm.issuer)
      throw new InvalidTokenError('token_issuer_invalid', 'token issuer not accepted for this request');
    assertBearerAllowed(principal, policy);
    check(principal);
  } catch (error) {
    throw refused(error, options);
  }
  request.principal = principal;
  // The cached principal is the same object for every request with this token: the token is kept with it.
  if (keepToken) keepVerifiedToken(request, principal, credential.token);
  return accepted(principal, options);
}

function accept(
  request: AuthenticatedRequest,
  principal: Principal,
  token: string,
  options: AuthenticationSettings,
): Principal {
  request.principal = principal;
  rememberBearerToken(request, token);
  return accepted(principal, options);
}

function accepted(principal: Principal, options: AuthenticationSettings): Principal {
  options.observer.authenticated({ mode: options.mode, outcome: 'accepted' });
  return principal;
}

function refused(error: unknown, options: AuthenticationSettings): unknown {
  if (error instanceof KeycloakAuthError)
    options.observer.authenticated({ mode: options.mode, outcome: error.code });
  return error;
}

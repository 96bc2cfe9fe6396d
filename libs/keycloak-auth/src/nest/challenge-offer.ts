import { ChallengeOffer } from '../core/errors';
import { DpopPolicy } from '../config/dpop.options';
import { ResolvedKeycloakAuthOptions } from '../config/keycloak-auth.options';
import { AuthenticatedRequest, presentedScheme } from './bearer-token';
import { resourceMetadataUrlOf } from './resource-identifier';

// Kept off the request object, as the token is: nothing a logger could print, nothing a handler could change.
const routePolicies = new WeakMap<object, DpopPolicy>();

/**
 * Notes the DPoP policy of the route a request is for: for a strategy that sees the request only (passport), and
 * for the challenge of a refusal later in the request. The module's own policy needs no entry.
 */
export function rememberRoutePolicy(
  request: object,
  policy: DpopPolicy | undefined,
  options: ResolvedKeycloakAuthOptions,
): void {
  if (policy && policy !== options.dpop) routePolicies.set(request, policy);
}

/** The DPoP policy that applies to `request`: its route's (`@Dpop()`), else the module's. */
export function dpopPolicyOf(request: object, options: ResolvedKeycloakAuthOptions): DpopPolicy {
  return routePolicies.get(request) ?? options.dpop;
}

/**
 * What a route under `policy` offers a caller who presented `request`'s Authorization header, and where the
 * service's metadata is for that request.
 */
export function offerFor(
  policy: DpopPolicy,
  options: ResolvedKeycloakAuthOptions,
  request?: AuthenticatedRequest,
): ChallengeOffer {
  return {
    bearer: policy !== 'required',
    dpopAlgs: policy === 'off' ? undefined : options.dpopAlgorithms,
    presented: request ? presentedScheme(request) : undefined,
    resourceMetadata: resourceMetadataUrlOf(options, request),
  };
}

/**
 * What the route of `request` offers (its remembered policy, else the module's) to the Authorization header the
 * request carries; without a request, the module's offer.
 */
export function offerOf(
  request: AuthenticatedRequest | undefined,
  options: ResolvedKeycloakAuthOptions,
): ChallengeOffer {
  return request
    ? offerFor(dpopPolicyOf(request, options), options, request)
    : offerFor(options.dpop, options);
}

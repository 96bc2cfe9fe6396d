import { ChallengeOffer } from '../core/errors';
import { DpopPolicy } from '../config/dpop.options';
import { ResolvedKeycloakAuthOptions } from '../config/keycloak-auth.options';
import { AuthenticatedRequest, requestCredential } from './bearer-token';
import { resourceMetadataUrlOf } from './resource-identifier';

/**
 * What a challenge needs of the resolved options: the home realm's name, the DPoP policy and algorithms, and what
 * the metadata URL is made of.
 */
export type ChallengeSettings = Pick<ResolvedKeycloakAuthOptions, 'home' | 'dpop' | 'resourceMetadata'>;

// Kept off the request object, as the token is: nothing a logger could print, nothing a handler could change.
const routePolicies = new WeakMap<object, DpopPolicy>();

/**
 * Notes the DPoP policy of the route a request is for: for a strategy that sees the request only (passport), and
 * for the challenge of a refusal later in the request. The module's own policy needs no entry.
 */
export function rememberRoutePolicy(
  request: object,
  policy: DpopPolicy | undefined,
  options: Pick<ChallengeSettings, 'dpop'>,
): void {
  if (policy && policy !== options.dpop.policy) routePolicies.set(request, policy);
}

/** The DPoP policy that applies to `request`: its route's (`@Dpop()`), else the module's. */
export function dpopPolicyOf(request: object, options: Pick<ChallengeSettings, 'dpop'>): DpopPolicy {
  return routePolicies.get(request) ?? options.dpop.policy;
}

/**
 * What a route under `policy` offers a caller who presented `request`'s Authorization header, and where the
 * service's metadata is for that request.
 */
export function offerFor(
  policy: DpopPolicy,
  options: Pick<ChallengeSettings, 'dpop' | 'resourceMetadata'>,
  request?: AuthenticatedRequest,
): ChallengeOffer {
  return {
    bearer: policy !== 'required',
    dpopAlgs: policy === 'off' ? undefined : options.dpop.algorithms,
    presented: request ? requestCredential(request).scheme : undefined,
    resourceMetadata: resourceMetadataUrlOf(options, request),
  };
}

/**
 * What the route of `request` offers (its remembered policy, else the module's) to the Authorization header the
 * request carries; without a request, the module's offer.
 */
export function offerOf(
  request: AuthenticatedRequest | undefined,
  options: ChallengeSettings,
): ChallengeOffer {
  return request
    ? offerFor(dpopPolicyOf(request, options), options, request)
    : offerFor(options.dpop.policy, options);
}

import { ChallengeOffer } from '../errors';
import { DpopPolicy } from '../dpop/dpop.options';
import { ResolvedKeycloakAuthOptions } from '../keycloak-auth.options';
import { AuthenticatedRequest, presentedScheme } from './bearer-token';

// Kept off the request object, as the token is: nothing a logger could print, nothing a handler could change.
const routePolicies = new WeakMap<object, DpopPolicy>();
const offers = new WeakMap<object, ChallengeOffer>();

/** Notes the DPoP policy of the route a request is for, for a strategy that sees the request only (passport). */
export function rememberRoutePolicy(request: object, policy: DpopPolicy | undefined): void {
  if (policy) routePolicies.set(request, policy);
}

/** The DPoP policy that applies to `request`: its route's (`@Dpop()`), else the module's. */
export function dpopPolicyOf(request: object, options: ResolvedKeycloakAuthOptions): DpopPolicy {
  return routePolicies.get(request) ?? options.dpop;
}

/** What a route under `policy` offers a caller who presented `request`'s Authorization header. */
export function offerFor(
  policy: DpopPolicy,
  options: ResolvedKeycloakAuthOptions,
  request?: AuthenticatedRequest,
): ChallengeOffer {
  return {
    bearer: policy !== 'required',
    dpopAlgs: policy === 'off' ? undefined : options.dpopAlgorithms,
    presented: request ? presentedScheme(request) : undefined,
  };
}

/** Records the offer a request's refusal will be answered with. */
export function rememberOffer(request: object, offer: ChallengeOffer): void {
  offers.set(request, offer);
}

/** The offer recorded for `request`, else the module's (for a refusal before authentication, e.g. no token to exchange). */
export function offerOf(request: object | undefined, options: ResolvedKeycloakAuthOptions): ChallengeOffer {
  return (request && offers.get(request)) ?? offerFor(options.dpop, options);
}

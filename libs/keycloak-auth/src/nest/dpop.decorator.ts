import { SetMetadata } from '@nestjs/common';
import { DPOP_POLICY_KEY } from '../core/constants';
import { DPOP_POLICIES, DpopPolicy } from '../config/dpop.options';

/**
 * This route's (or controller's) DPoP policy, over the module's `dpop.policy` option: `required` takes DPoP-bound tokens
 * with a valid proof only, `allowed` bearer and DPoP-bound ones, `off` bearer tokens only. A route that exchanges
 * the caller's token cannot be `required` while Keycloak refuses to exchange a DPoP-bound subject token.
 */
export const Dpop = (policy: DpopPolicy) => {
  if (!DPOP_POLICIES.includes(policy))
    throw new Error(`@Dpop(): policy must be one of ${DPOP_POLICIES.join(', ')}, got ${String(policy)}`);
  return SetMetadata(DPOP_POLICY_KEY, policy);
};

import { Principal } from '../core/principal';

/** Turns a bearer token into a {@link Principal} or throws a typed {@link KeycloakAuthError}. */
export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
  /**
   * The principal of a token this verifier has verified before and still holds, found without a promise: what
   * a request on the hot path asks first. Undefined when only {@link verify} can tell; it throws the refusal
   * `verify` would give when the cache already knows it (an inactive token).
   */
  cached?(token: string): Principal | undefined;
}

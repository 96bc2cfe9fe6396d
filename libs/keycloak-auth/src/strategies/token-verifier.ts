import { Principal } from '../principal';

/** Turns a bearer token into a {@link Principal} or throws a typed {@link KeycloakAuthError}. */
export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}

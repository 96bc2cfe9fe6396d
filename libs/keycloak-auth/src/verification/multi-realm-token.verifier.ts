import { InvalidTokenError } from '../core/errors';
import { Principal } from '../core/principal';
import { claimedIssuer, looksLikeJwt } from '../core/unverified-token';
import { TokenVerifier } from './token-verifier';

/**
 * Sends each token to the verifier of the realm its `iss` names (one JWKS or introspection client per realm).
 * The `iss` is read before anything is verified, which is safe because it only picks who verifies: that realm
 * checks the signature with its own keys (or asks its own Keycloak) and the `iss` again. A token whose `iss`
 * names no accepted realm is refused here, before any call to any Keycloak.
 */
export class MultiRealmTokenVerifier implements TokenVerifier {
  /**
   * The verifier of the only accepted realm, when there is one: nothing to choose, so nothing to decode on every
   * request. It refuses a token of another issuer itself, before any call to Keycloak (the JWKS included).
   */
  private readonly only?: TokenVerifier;

  constructor(private readonly byIssuer: ReadonlyMap<string, TokenVerifier>) {
    if (byIssuer.size === 1) this.only = [...byIssuer.values()][0];
  }

  /** The only realm's cached principal; with several realms, undefined (choosing one means decoding the token). */
  cached(token: string): Principal | undefined {
    return this.only?.cached?.(token);
  }

  verify(token: string): Promise<Principal> {
    return this.only ? this.only.verify(token) : this.route(token);
  }

  private async route(token: string): Promise<Principal> {
    if (!looksLikeJwt(token)) throw new InvalidTokenError('token_malformed', 'token malformed');
    const iss = claimedIssuer(token);
    const verifier = iss === undefined ? undefined : this.byIssuer.get(iss);
    if (!verifier) throw new InvalidTokenError('token_issuer_invalid', 'token issuer not accepted');
    return verifier.verify(token);
  }
}

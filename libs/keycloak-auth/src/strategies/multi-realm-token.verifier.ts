import { decodeJwt } from 'jose';
import { InvalidTokenError } from '../errors';
import { Principal } from '../principal';
import { looksLikeJwt } from './access-token-claims';
import { TokenVerifier } from './token-verifier';

/**
 * Sends each token to the verifier of the realm its `iss` names (one JWKS or introspection client per realm).
 * The `iss` is read before anything is verified, which is safe because it only picks who verifies: that realm
 * checks the signature with its own keys (or asks its own Keycloak) and the `iss` again. A token whose `iss`
 * names no accepted realm is refused here, before any call to any Keycloak.
 */
export class MultiRealmTokenVerifier implements TokenVerifier {
  constructor(private readonly byIssuer: ReadonlyMap<string, TokenVerifier>) {}

  /** The verifier of one accepted issuer. */
  verifierFor(issuer: string): TokenVerifier | undefined {
    return this.byIssuer.get(issuer);
  }

  async verify(token: string): Promise<Principal> {
    if (!looksLikeJwt(token)) throw new InvalidTokenError('token_malformed', 'token malformed');
    let iss: unknown;
    try {
      ({ iss } = decodeJwt(token));
    } catch {
      throw new InvalidTokenError('token_malformed', 'token malformed');
    }
    const verifier = typeof iss === 'string' ? this.byIssuer.get(iss) : undefined;
    if (!verifier) throw new InvalidTokenError('token_issuer_invalid', 'token issuer not accepted');
    return verifier.verify(token);
  }
}

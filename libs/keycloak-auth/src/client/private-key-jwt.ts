import * as oidc from 'openid-client';
import type { ClientKeySet } from '../keys/client-key-set';

/** Changes an assertion's header or claims right before it is signed (openid-client's `modifyAssertion`). */
export type AssertionModifier = (header: Record<string, unknown>, claims: Record<string, unknown>) => void;

/**
 * `private_key_jwt` (RFC 7523 §2.2, OIDC Core §9) with openid-client's own PrivateKeyJwt, given the key that signs
 * at the moment of each call: a rotation takes effect on the next request. openid-client makes a fresh assertion
 * per request — `iss` = `sub` = the client id, `aud` = the realm's issuer (Keycloak accepts it, as it accepts its
 * token endpoint), a random `jti` (Keycloak refuses an assertion it saw before: "Token reuse detected"), 60 s of
 * life — with the key's `kid` in the header, which Keycloak looks up in the client's JWKS URL.
 * `modify` exists for tests that need an assertion Keycloak must refuse.
 */
export function privateKeyJwt(keys: ClientKeySet, modify?: AssertionModifier): oidc.ClientAuth {
  return (as, client, body, headers) => {
    const { privateKey, kid } = keys.signingKey();
    const options = modify ? { [oidc.modifyAssertion]: modify } : undefined;
    return oidc.PrivateKeyJwt({ key: privateKey, kid }, options)(as, client, body, headers);
  };
}

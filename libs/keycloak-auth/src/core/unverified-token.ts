import { decodeJwt } from 'jose';
import { InvalidTokenError } from './errors';

/** True when a token has the compact JWS shape (three base64url parts); anything else is refused unsent. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token) && token.length < 16_384;
}

/**
 * The claims of a token of JWT shape, read WITHOUT verifying them. A payload that is not a JSON object makes the
 * token malformed.
 */
function unverifiedClaims(token: string): Record<string, unknown> {
  try {
    return decodeJwt(token);
  } catch {
    throw new InvalidTokenError('token_malformed', 'token malformed');
  }
}

/**
 * The `iss` a token claims, read WITHOUT verifying it: only to choose which realm's keys or introspection endpoint
 * will verify it (that realm then checks the signature and the same `iss` again). Undefined when the token is not of
 * JWT shape or its `iss` is not a string; a JWT whose payload is not a JSON object is malformed (thrown).
 */
export function claimedIssuer(token: string): string | undefined {
  if (!looksLikeJwt(token)) return undefined;
  const { iss } = unverifiedClaims(token);
  return typeof iss === 'string' ? iss : undefined;
}

/**
 * The unverified claims of a token that names `issuer` as its `iss`; another issuer's token is refused here,
 * before any call to Keycloak (a JWKS fetch for its unknown kid, an introspection).
 */
export function claimsNamingIssuer(token: string, issuer: string): Record<string, unknown> {
  const claims = unverifiedClaims(token);
  if (claims.iss !== issuer) throw new InvalidTokenError('token_issuer_invalid', 'token issuer not accepted');
  return claims;
}

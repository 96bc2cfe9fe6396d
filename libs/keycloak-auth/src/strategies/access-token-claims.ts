import { decodeJwt } from 'jose';
import { InvalidTokenError } from '../core/errors';

/** What {@link assertAccessTokenClaims} checks a token against (the resolved options fit it as they are). */
export interface ClaimExpectations {
  issuer: string;
  audience: readonly string[];
  clockToleranceSec: number;
}

/**
 * The checks both validation modes apply to the claims of an access token, whether they came from a verified
 * signature or from introspection. Keycloak marks access tokens with `typ: "Bearer"` (`"DPoP"` when bound to a
 * key); ID tokens carry `ID` and refresh tokens `Refresh`, and neither may be used as an access token.
 * `nowMs` is the current time in milliseconds.
 */
export function assertAccessTokenClaims(
  claims: Record<string, unknown>,
  expect: ClaimExpectations,
  nowMs: number,
): void {
  const now = nowMs / 1000;
  const tolerance = expect.clockToleranceSec;
  // RFC 9449 §6: Keycloak marks a DPoP-bound access token `typ: "DPoP"`; it is one only with the key it is bound to.
  const dpopBound =
    claims.typ === 'DPoP' && typeof (claims.cnf as { jkt?: unknown } | undefined)?.jkt === 'string';
  if (claims.typ !== 'Bearer' && !dpopBound) {
    throw new InvalidTokenError(
      'token_type_invalid',
      `token type ${String(claims.typ)} is not an access token`,
    );
  }
  if (claims.iss !== expect.issuer)
    throw new InvalidTokenError('token_issuer_invalid', 'token issuer not accepted');
  const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
  if (!aud.some((a) => expect.audience.includes(a))) {
    throw new InvalidTokenError('token_audience_invalid', 'token audience does not include this service');
  }
  if (typeof claims.exp !== 'number') throw new InvalidTokenError('token_claims_invalid', 'token has no exp');
  if (claims.exp <= now - tolerance) throw new InvalidTokenError('token_expired', 'token expired');
  if (typeof claims.nbf === 'number' && claims.nbf > now + tolerance) {
    throw new InvalidTokenError('token_not_yet_valid', 'token not yet valid (nbf)');
  }
  if (typeof claims.iat === 'number' && claims.iat > now + tolerance) {
    throw new InvalidTokenError('token_issued_in_future', 'token issued in the future (iat)');
  }
  if (typeof claims.sub !== 'string' || typeof claims.azp !== 'string') {
    throw new InvalidTokenError('token_claims_invalid', 'token lacks sub or azp');
  }
}

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

/** The `iss` claim of a token of JWT shape, unverified (any type: the caller compares it with an accepted issuer). */
export function claimedIssuer(token: string): unknown {
  return unverifiedClaims(token).iss;
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

/**
 * The `iss` a token claims, read WITHOUT verifying it: only to choose which realm's keys or introspection endpoint
 * will verify it (that realm then checks the signature and the same `iss` again). Undefined when the payload is
 * not JSON or has no string `iss`.
 */
export function unverifiedIssuer(token: string): string | undefined {
  if (!looksLikeJwt(token)) return undefined;
  try {
    const { iss } = decodeJwt(token);
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

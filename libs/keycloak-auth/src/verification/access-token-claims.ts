import { InvalidTokenError } from '../core/errors';

/** What {@link assertAccessTokenClaims} checks a token against. */
export interface ClaimExpectations {
  issuer: string;
  audience: readonly string[];
  clockToleranceSec: number;
}

/** The expectations of a realm's tokens: its issuer, the accepted audiences and the tolerated clock skew. */
export function claimExpectations(
  realm: { readonly issuer: string },
  options: {
    readonly audience: readonly string[];
    readonly verification: { readonly clockToleranceSec: number };
  },
): ClaimExpectations {
  return {
    issuer: realm.issuer,
    audience: options.audience,
    clockToleranceSec: options.verification.clockToleranceSec,
  };
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

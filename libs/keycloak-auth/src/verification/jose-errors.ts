import { errors } from 'jose';
import { IdentityProviderUnavailableError, InvalidTokenError, KeycloakAuthError } from '../core/errors';
import { KeycloakUnreachableError } from '../transport/keycloak-fetch';

/** The one place where jose's stable error codes become RFC 6750 answers. */
export function fromJoseError(error: unknown): KeycloakAuthError {
  if (error instanceof KeycloakAuthError) return error;
  if (!(error instanceof errors.JOSEError)) {
    // Not a verdict on the token: the JWKS could not be fetched. Fail closed; KeycloakUnreachableError names the
    // socket or TLS error (ECONNREFUSED, UNABLE_TO_VERIFY_LEAF_SIGNATURE, …), the only place an operator sees it.
    const reason = error instanceof KeycloakUnreachableError ? error.message : 'Keycloak unreachable';
    return new IdentityProviderUnavailableError(`signing keys unavailable: ${reason}`);
  }
  switch (error.code) {
    case 'ERR_JWT_EXPIRED':
      return new InvalidTokenError('token_expired', 'token expired');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const claim = (error as errors.JWTClaimValidationFailed).claim;
      if (claim === 'nbf') return new InvalidTokenError('token_not_yet_valid', 'token not yet valid (nbf)');
      if (claim === 'iat')
        return new InvalidTokenError('token_issued_in_future', 'token issued in the future (iat)');
      return new InvalidTokenError('token_claims_invalid', `token claim ${claim} invalid`);
    }
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return new InvalidTokenError('token_signature_invalid', 'token signature invalid');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return new InvalidTokenError('token_algorithm_not_allowed', 'token algorithm not allowed');
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return new InvalidTokenError('token_key_unknown', 'token signed by an unknown key');
    // ERR_JOSE_GENERIC is the only code jose gives a JWKS answer that is not 200 or not JSON: Keycloak failing.
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
    case 'ERR_JOSE_GENERIC':
      return new IdentityProviderUnavailableError('signing keys unavailable');
    default:
      return new InvalidTokenError('token_malformed', 'token malformed');
  }
}

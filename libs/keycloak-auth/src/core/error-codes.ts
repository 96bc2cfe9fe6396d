// The library's error codes, by family: each family is one error class (core/errors.ts) whose constructor takes
// only its own codes. Stable: safe to match on and to count.

/**
 * Stable codes of every way the library refuses or fails a request; safe to match on and to count. Each is of
 * exactly one family above (a unit test holds them to it).
 */
export const KEYCLOAK_AUTH_ERROR_CODES = [
  'token_missing',
  'token_malformed',
  'token_expired',
  'token_not_yet_valid',
  'token_issued_in_future',
  'token_signature_invalid',
  'token_algorithm_not_allowed',
  'token_key_unknown',
  'token_issuer_invalid',
  'token_audience_invalid',
  'token_type_invalid',
  'token_claims_invalid',
  'token_inactive',
  'insufficient_scope',
  'insufficient_role',
  'caller_not_allowed',
  'permission_denied',
  'idp_unavailable',
  'idp_rejected_client',
  'introspection_rate_limited',
  'replay_store_unavailable',
  'counter_store_unavailable',
  'exchange_denied',
  'exchange_subject_rejected',
  'exchange_failed',
  'client_credentials_failed',
  'authorization_failed',
  'dpop_proof_missing',
  'dpop_proof_malformed',
  'dpop_proof_algorithm_not_allowed',
  'dpop_proof_signature_invalid',
  'dpop_proof_method_mismatch',
  'dpop_proof_uri_mismatch',
  'dpop_proof_stale',
  'dpop_proof_ath_mismatch',
  'dpop_proof_replayed',
  'dpop_key_mismatch',
  'dpop_required',
  'dpop_bound_token_as_bearer',
  'dpop_token_not_bound',
  'dpop_not_accepted',
] as const;

/** 401 `invalid_token`: the access token is missing, malformed, not valid, or not usable as sent (RFC 6750 §3.1). */
export const INVALID_TOKEN_CODES = [
  'token_missing',
  'token_malformed',
  'token_expired',
  'token_not_yet_valid',
  'token_issued_in_future',
  'token_signature_invalid',
  'token_algorithm_not_allowed',
  'token_key_unknown',
  'token_issuer_invalid',
  'token_audience_invalid',
  'token_type_invalid',
  'token_claims_invalid',
  'token_inactive',
  'dpop_key_mismatch',
  'dpop_required',
  'dpop_bound_token_as_bearer',
  'dpop_token_not_bound',
  'dpop_not_accepted',
] as const satisfies readonly KeycloakAuthErrorCode[];

/** 401 `invalid_dpop_proof`: the request's DPoP proof is missing, malformed or not for this request (RFC 9449 §7.1). */
export const INVALID_DPOP_PROOF_CODES = [
  'dpop_proof_missing',
  'dpop_proof_malformed',
  'dpop_proof_algorithm_not_allowed',
  'dpop_proof_signature_invalid',
  'dpop_proof_method_mismatch',
  'dpop_proof_uri_mismatch',
  'dpop_proof_stale',
  'dpop_proof_ath_mismatch',
  'dpop_proof_replayed',
] as const satisfies readonly KeycloakAuthErrorCode[];

/**
 * 403 `insufficient_scope`: a valid token that lacks a scope, a role, an allowed caller or a permission Keycloak's
 * Authorization Services grant (RFC 6750 §3.1).
 */
export const INSUFFICIENT_SCOPE_CODES = [
  'insufficient_scope',
  'insufficient_role',
  'caller_not_allowed',
  'permission_denied',
] as const satisfies readonly KeycloakAuthErrorCode[];

/** 503: Keycloak cannot be reached or fails; the request is refused, not let through (fail closed). */
export const IDP_UNAVAILABLE_CODES = ['idp_unavailable'] as const satisfies readonly KeycloakAuthErrorCode[];

/** 503: Keycloak refuses this service's own client (its secret, key or assertion): a configuration to fix. */
export const CLIENT_CONFIGURATION_CODES = [
  'idp_rejected_client',
] as const satisfies readonly KeycloakAuthErrorCode[];

/** 429: one caller sent more new tokens to introspect than its budget allows. */
export const RATE_LIMIT_CODES = [
  'introspection_rate_limited',
] as const satisfies readonly KeycloakAuthErrorCode[];

/**
 * 503: the shared store of the library's checks (DPoP `jti`s seen, introspections per caller) cannot answer; the
 * request is refused rather than let through unchecked (fail closed).
 */
export const STORE_UNAVAILABLE_CODES = [
  'replay_store_unavailable',
  'counter_store_unavailable',
] as const satisfies readonly KeycloakAuthErrorCode[];

/** Keycloak's token endpoint refused this service's client-credentials, exchange or authorization request. */
export const TOKEN_ENDPOINT_CODES = [
  'exchange_denied',
  'exchange_subject_rejected',
  'exchange_failed',
  'client_credentials_failed',
  'authorization_failed',
] as const satisfies readonly KeycloakAuthErrorCode[];

/** One of {@link KEYCLOAK_AUTH_ERROR_CODES}. */
export type KeycloakAuthErrorCode = (typeof KEYCLOAK_AUTH_ERROR_CODES)[number];
/** A code of {@link INVALID_TOKEN_CODES}. */
export type InvalidTokenCode = (typeof INVALID_TOKEN_CODES)[number];
/** A code of {@link INVALID_DPOP_PROOF_CODES}. */
export type InvalidDpopProofCode = (typeof INVALID_DPOP_PROOF_CODES)[number];
/** A code of {@link INSUFFICIENT_SCOPE_CODES}. */
export type InsufficientScopeCode = (typeof INSUFFICIENT_SCOPE_CODES)[number];
/** A code of {@link STORE_UNAVAILABLE_CODES}. */
export type StoreUnavailableCode = (typeof STORE_UNAVAILABLE_CODES)[number];
/** A code of {@link TOKEN_ENDPOINT_CODES}. */
export type TokenEndpointCode = (typeof TOKEN_ENDPOINT_CODES)[number];

/** The error a code is reported as in `WWW-Authenticate`: RFC 6750 §3.1's, or RFC 9449 §7.1's. */
export type ChallengeError = 'invalid_token' | 'insufficient_scope' | 'invalid_dpop_proof';

/** An HTTP authentication scheme the library accepts access tokens under. */
export type AuthScheme = 'Bearer' | 'DPoP';

/** How a code is answered over HTTP: its status, the body's `error`, and its challenge, if it has one. */
export interface ErrorAnswer {
  readonly status: number;
  readonly error: string;
  /** The challenge's `error`; none for errors that are not about the access token. */
  readonly challenge?: ChallengeError;
  /** The scheme the challenge is on whatever the request used (a DPoP key binding's and proof's errors). */
  readonly scheme?: AuthScheme;
}

const invalidToken: ErrorAnswer = { status: 401, error: 'invalid_token', challenge: 'invalid_token' };
const onDpop: ErrorAnswer = { ...invalidToken, scheme: 'DPoP' };
const invalidProof: ErrorAnswer = {
  status: 401,
  error: 'invalid_dpop_proof',
  challenge: 'invalid_dpop_proof',
  scheme: 'DPoP',
};
const insufficient: ErrorAnswer = {
  status: 403,
  error: 'insufficient_scope',
  challenge: 'insufficient_scope',
};
const unavailable: ErrorAnswer = { status: 503, error: 'idp_unavailable' };
const badGateway: ErrorAnswer = { status: 502, error: 'bad_gateway' };

/** The one table of how each code is answered: status, body `error`, challenge and its scheme. */
export const ERROR_ANSWERS: { readonly [Code in KeycloakAuthErrorCode]: ErrorAnswer } = {
  token_missing: invalidToken,
  token_malformed: invalidToken,
  token_expired: invalidToken,
  token_not_yet_valid: invalidToken,
  token_issued_in_future: invalidToken,
  token_signature_invalid: invalidToken,
  token_algorithm_not_allowed: invalidToken,
  token_key_unknown: invalidToken,
  token_issuer_invalid: invalidToken,
  token_audience_invalid: invalidToken,
  token_type_invalid: invalidToken,
  token_claims_invalid: invalidToken,
  token_inactive: invalidToken,
  dpop_key_mismatch: onDpop,
  dpop_required: onDpop,
  dpop_bound_token_as_bearer: onDpop,
  dpop_token_not_bound: onDpop,
  dpop_not_accepted: invalidToken,
  dpop_proof_missing: invalidProof,
  dpop_proof_malformed: invalidProof,
  dpop_proof_algorithm_not_allowed: invalidProof,
  dpop_proof_signature_invalid: invalidProof,
  dpop_proof_method_mismatch: invalidProof,
  dpop_proof_uri_mismatch: invalidProof,
  dpop_proof_stale: invalidProof,
  dpop_proof_ath_mismatch: invalidProof,
  dpop_proof_replayed: invalidProof,
  insufficient_scope: insufficient,
  insufficient_role: insufficient,
  caller_not_allowed: insufficient,
  permission_denied: insufficient,
  idp_unavailable: unavailable,
  // The service cannot serve until its client is fixed: 503 as an outage is, but its own class and code.
  idp_rejected_client: unavailable,
  introspection_rate_limited: { status: 429, error: 'too_many_requests' },
  // Not the caller's fault and not Keycloak's: 503, no challenge, its own body error.
  replay_store_unavailable: { status: 503, error: 'store_unavailable' },
  counter_store_unavailable: { status: 503, error: 'store_unavailable' },
  // RFC 8693 §2.2.2: the subject token refused is the caller's token; exchange not allowed is a permission.
  exchange_subject_rejected: invalidToken,
  exchange_denied: insufficient,
  exchange_failed: badGateway,
  client_credentials_failed: badGateway,
  // Keycloak refused to decide (an unknown audience, a malformed permission): this service's request, not the caller.
  authorization_failed: badGateway,
};

import { HttpException, HttpStatus } from '@nestjs/common';

/** Stable codes of every way the library refuses or fails a request; safe to match on and to count. */
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
  'idp_unavailable',
  'idp_rejected_client',
  'exchange_denied',
  'exchange_subject_rejected',
  'exchange_failed',
] as const;

/** One of {@link KEYCLOAK_AUTH_ERROR_CODES}. */
export type KeycloakAuthErrorCode = (typeof KEYCLOAK_AUTH_ERROR_CODES)[number];

/** The RFC 6750 §3.1 error a code is reported as, when it is reported in `WWW-Authenticate` at all. */
type BearerError = 'invalid_token' | 'insufficient_scope';

/** Base of the library's typed errors: an HttpException whose body is `{statusCode, error, message, code}`. */
export abstract class KeycloakAuthError extends HttpException {
  protected constructor(
    readonly code: KeycloakAuthErrorCode,
    status: number,
    error: string,
    readonly description: string,
    readonly bearerError?: BearerError,
    readonly requiredScopes: readonly string[] = [],
  ) {
    super({ statusCode: status, error, message: description, code }, status);
    this.extensions = { code, statusCode: status, error };
  }

  /**
   * What a GraphQL answer shows of this error: graphql-js copies an original error's `extensions` into the
   * error it reports, so a resolver refused by the guard still tells its client why (HTTP status stays 200 there).
   */
  readonly extensions: Readonly<{ code: KeycloakAuthErrorCode; statusCode: number; error: string }>;

  /**
   * The RFC 6750 §3 challenge for this error, or undefined when the error is not about the bearer token
   * (an unreachable IdP is not the caller's fault and gets no challenge).
   */
  wwwAuthenticate(realm: string): string | undefined {
    if (!this.bearerError) return undefined;
    const parts = [`realm="${quote(realm)}"`, `error="${this.bearerError}"`];
    parts.push(`error_description="${quote(this.description)}"`);
    if (this.requiredScopes.length > 0) parts.push(`scope="${quote(this.requiredScopes.join(' '))}"`);
    return `Bearer ${parts.join(', ')}`;
  }
}

/** 401: the token is missing, malformed, expired, forged or meant for someone else (RFC 6750 invalid_token). */
export class InvalidTokenError extends KeycloakAuthError {
  constructor(code: KeycloakAuthErrorCode, description: string) {
    super(code, HttpStatus.UNAUTHORIZED, 'invalid_token', description, 'invalid_token');
  }
}

/** 403: a valid token that lacks a scope, a role or an allowed caller (RFC 6750 insufficient_scope). */
export class InsufficientScopeError extends KeycloakAuthError {
  constructor(code: KeycloakAuthErrorCode, description: string, requiredScopes: readonly string[] = []) {
    super(
      code,
      HttpStatus.FORBIDDEN,
      'insufficient_scope',
      description,
      'insufficient_scope',
      requiredScopes,
    );
  }
}

/**
 * 503: Keycloak could not be reached, failed, or (code `idp_rejected_client`) refused this service's own client
 * at introspection; the request is refused rather than let through (fail closed).
 */
export class IdentityProviderUnavailableError extends KeycloakAuthError {
  constructor(description: string, code: 'idp_unavailable' | 'idp_rejected_client' = 'idp_unavailable') {
    super(code, HttpStatus.SERVICE_UNAVAILABLE, 'idp_unavailable', description);
  }
}

/**
 * Keycloak answered an OAuth error at its token endpoint (client credentials or token exchange). The status
 * tells the caller what it means for them: the subject token refused → 401, exchange not allowed → 403,
 * this service misconfigured (bad secret, unknown scope) → 502.
 */
export class TokenEndpointError extends KeycloakAuthError {
  constructor(
    code: KeycloakAuthErrorCode,
    status: number,
    description: string,
    readonly oauthError: string,
  ) {
    super(
      code,
      status,
      status === 401 ? 'invalid_token' : status === 403 ? 'insufficient_scope' : 'bad_gateway',
      description,
      status === 401 ? 'invalid_token' : status === 403 ? 'insufficient_scope' : undefined,
    );
  }
}

// RFC 6750 §3: error_description is limited to printable ASCII without '"' and '\'.
function quote(value: string): string {
  return value.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '?');
}

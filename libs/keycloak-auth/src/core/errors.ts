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
  'introspection_rate_limited',
  'exchange_denied',
  'exchange_subject_rejected',
  'exchange_failed',
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

/** One of {@link KEYCLOAK_AUTH_ERROR_CODES}. */
export type KeycloakAuthErrorCode = (typeof KEYCLOAK_AUTH_ERROR_CODES)[number];

/**
 * The error a code is reported as in `WWW-Authenticate`, when it is reported there at all: RFC 6750 §3.1's, or
 * RFC 9449 §7.1's `invalid_dpop_proof`.
 */
type ChallengeError = 'invalid_token' | 'insufficient_scope' | 'invalid_dpop_proof';

/** An HTTP authentication scheme the library accepts access tokens under. */
export type AuthScheme = 'Bearer' | 'DPoP';

/**
 * What a route offers a caller, for its challenge: whether a bearer token is accepted, the DPoP proof algorithms
 * when DPoP is (RFC 9449 §7.1 `algs`), and the scheme the request's Authorization header used, if any.
 */
export interface ChallengeOffer {
  readonly bearer: boolean;
  readonly dpopAlgs?: readonly string[];
  readonly presented?: AuthScheme;
}

/** What a route without DPoP offers: bearer tokens only. */
const BEARER_ONLY: ChallengeOffer = { bearer: true };

/** Base of the library's typed errors: an HttpException whose body is `{statusCode, error, message, code}`. */
export abstract class KeycloakAuthError extends HttpException {
  protected constructor(
    readonly code: KeycloakAuthErrorCode,
    status: number,
    error: string,
    readonly description: string,
    readonly bearerError?: ChallengeError,
    readonly requiredScopes: readonly string[] = [],
    /** The scheme this error is about whatever the request used (a DPoP proof's errors are DPoP's). */
    readonly scheme?: AuthScheme,
  ) {
    super({ statusCode: status, error, message: description, code }, status);
    this.extensions = { code, statusCode: status, error };
  }

  /**
   * Whether the challenge names no error (RFC 6750 §3.1): the request carried no credentials the library takes.
   */
  protected get namesNoError(): boolean {
    return this.code === 'token_missing';
  }

  /**
   * What a GraphQL answer shows of this error: graphql-js copies an original error's `extensions` into the
   * error it reports, so a resolver refused by the guard still tells its client why (HTTP status stays 200 there).
   */
  readonly extensions: Readonly<{ code: KeycloakAuthErrorCode; statusCode: number; error: string }>;

  /**
   * The RFC 6750 §3 (and RFC 9449 §7.1) challenge for this error on a route that offers `offer`, or undefined when
   * the error is not about the access token (an unreachable IdP is not the caller's fault and gets no challenge).
   * A request without any credentials, or with only another scheme's (`Basic`), gets one challenge per accepted
   * scheme and no error code (RFC 6750 §3.1);
   * any other error is reported on one scheme: the error's own, else the one the request used, if offered.
   */
  wwwAuthenticate(realm: string, offer: ChallengeOffer = BEARER_ONLY): string | undefined {
    if (!this.bearerError) return undefined;
    const realmPart = `realm="${quote(realm)}"`;
    const algs = offer.dpopAlgs?.length ? `algs="${quote(offer.dpopAlgs.join(' '))}"` : undefined;
    const offered = (scheme: AuthScheme | undefined) =>
      scheme === 'Bearer' ? offer.bearer : scheme === 'DPoP' && algs !== undefined;
    if (this.namesNoError) {
      const challenges = offer.bearer ? [`Bearer ${realmPart}`] : [];
      if (algs) challenges.push(`DPoP ${realmPart}, ${algs}`);
      return challenges.join(', ');
    }
    const scheme = [this.scheme, offer.presented, 'Bearer' as const].find(offered) ?? 'DPoP';
    const parts = [realmPart, `error="${this.bearerError}"`];
    parts.push(`error_description="${quote(this.description)}"`);
    if (this.requiredScopes.length > 0) parts.push(`scope="${quote(this.requiredScopes.join(' '))}"`);
    if (scheme === 'DPoP' && algs) parts.push(algs);
    return `${scheme} ${parts.join(', ')}`;
  }
}

/** 401: the token is missing, malformed, expired, forged or meant for someone else (RFC 6750 invalid_token). */
export class InvalidTokenError extends KeycloakAuthError {
  /**
   * `scheme`: report it on that scheme's challenge when the route offers it (a DPoP key binding's errors).
   * `unsupportedScheme`: the request authenticated with a scheme the library does not take (`Basic`, …), which
   * RFC 6750 §3.1 answers like a request without credentials: a challenge without an error code.
   */
  constructor(
    code: KeycloakAuthErrorCode,
    description: string,
    scheme?: AuthScheme,
    readonly unsupportedScheme = false,
  ) {
    super(code, HttpStatus.UNAUTHORIZED, 'invalid_token', description, 'invalid_token', [], scheme);
  }

  protected override get namesNoError(): boolean {
    return super.namesNoError || this.unsupportedScheme;
  }
}

/** 401: the request's DPoP proof is missing, malformed, replayed or not for this request (RFC 9449 §7.1). */
export class InvalidDpopProofError extends KeycloakAuthError {
  constructor(code: KeycloakAuthErrorCode, description: string) {
    super(code, HttpStatus.UNAUTHORIZED, 'invalid_dpop_proof', description, 'invalid_dpop_proof', [], 'DPoP');
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
 * 429: one caller (the `azp` of tokens whose signature already checked) sent more new tokens to introspect than
 * `introspectionMissesPerMinute` allows; the guard answers with `Retry-After`. Not the token's fault: no challenge.
 */
export class IntrospectionRateLimitedError extends KeycloakAuthError {
  constructor(
    description: string,
    /** Whole seconds until the caller's window ends. */
    readonly retryAfterSec: number,
  ) {
    super('introspection_rate_limited', HttpStatus.TOO_MANY_REQUESTS, 'too_many_requests', description);
  }
}

/**
 * Keycloak answered an OAuth error at its token endpoint (client credentials or token exchange). The status
 * tells the caller what it means for them: the subject token refused → 401, exchange not allowed → 403, this
 * service's own client refused (`idp_rejected_client`: a secret or key Keycloak does not accept) → 503, as at
 * introspection, and never retried; another refusal of this service's request (an unknown scope) → 502.
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
      status === 401
        ? 'invalid_token'
        : status === 403
          ? 'insufficient_scope'
          : status === 503
            ? 'idp_unavailable'
            : 'bad_gateway',
      description,
      status === 401 ? 'invalid_token' : status === 403 ? 'insufficient_scope' : undefined,
    );
  }
}

// RFC 6750 §3: error_description is limited to printable ASCII without '"' and '\'.
function quote(value: string): string {
  return value.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '?');
}

import { HttpException } from '@nestjs/common';
import {
  AuthScheme,
  ChallengeError,
  ERROR_ANSWERS,
  InsufficientScopeCode,
  InvalidDpopProofCode,
  InvalidTokenCode,
  KeycloakAuthErrorCode,
  StoreUnavailableCode,
  TokenEndpointCode,
} from './error-codes';

// The library's errors, one class per family; each class's constructor takes its own family's codes, and the
// status, the body's `error` and the challenge of a code are looked up in one table (ERROR_ANSWERS).

export { KEYCLOAK_AUTH_ERROR_CODES } from './error-codes';
export type { AuthScheme, KeycloakAuthErrorCode } from './error-codes';

/**
 * What a route offers a caller, for its challenge: whether a bearer token is accepted, the DPoP proof algorithms
 * when DPoP is (RFC 9449 §7.1 `algs`), the scheme the request's Authorization header used, if any, and the URL
 * of the service's Protected Resource Metadata (RFC 9728 §5.1 `resource_metadata`), if it serves one.
 */
export interface ChallengeOffer {
  readonly bearer: boolean;
  readonly dpopAlgs?: readonly string[];
  readonly presented?: AuthScheme;
  readonly resourceMetadata?: string;
}

/** What a route without DPoP offers: bearer tokens only. */
const BEARER_ONLY: ChallengeOffer = { bearer: true };

/** Base of the library's typed errors: an HttpException whose body is `{statusCode, error, message, code}`. */
export abstract class KeycloakAuthError extends HttpException {
  /** The challenge's `error` (RFC 6750 §3.1, RFC 9449 §7.1); none when the error is not about the access token. */
  readonly bearerError?: ChallengeError;
  /** The scheme this error is about whatever the request used (a DPoP proof's errors are DPoP's). */
  readonly scheme?: AuthScheme;

  protected constructor(
    readonly code: KeycloakAuthErrorCode,
    readonly description: string,
    readonly requiredScopes: readonly string[] = [],
  ) {
    const { status, error, challenge, scheme } = ERROR_ANSWERS[code];
    super({ statusCode: status, error, message: description, code }, status);
    this.extensions = { code, statusCode: status, error };
    this.bearerError = challenge;
    this.scheme = scheme;
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
   * Every challenge ends with the offer's `resource_metadata` (RFC 9728 §5.1, for the Bearer and DPoP schemes
   * alike), where a client learns which realms and scopes to ask for.
   */
  wwwAuthenticate(realm: string, offer: ChallengeOffer = BEARER_ONLY): string | undefined {
    if (!this.bearerError) return undefined;
    const realmPart = `realm="${quote(realm)}"`;
    const algs = offer.dpopAlgs?.length ? `algs="${quote(offer.dpopAlgs.join(' '))}"` : undefined;
    const metadata = offer.resourceMetadata ? [`resource_metadata="${quote(offer.resourceMetadata)}"`] : [];
    const offered = (scheme: AuthScheme | undefined) =>
      scheme === 'Bearer' ? offer.bearer : scheme === 'DPoP' && algs !== undefined;
    if (this.namesNoError) {
      const challenges = offer.bearer ? [[`Bearer ${realmPart}`, ...metadata].join(', ')] : [];
      if (algs) challenges.push([`DPoP ${realmPart}`, algs, ...metadata].join(', '));
      return challenges.join(', ');
    }
    const scheme = [this.scheme, offer.presented, 'Bearer' as const].find(offered) ?? 'DPoP';
    const parts = [realmPart, `error="${this.bearerError}"`];
    parts.push(`error_description="${quote(this.description)}"`);
    if (this.requiredScopes.length > 0) parts.push(`scope="${quote(this.requiredScopes.join(' '))}"`);
    if (scheme === 'DPoP' && algs) parts.push(algs);
    parts.push(...metadata);
    return `${scheme} ${parts.join(', ')}`;
  }
}

/** 401: the token is missing, malformed, expired, forged or meant for someone else (RFC 6750 invalid_token). */
export class InvalidTokenError extends KeycloakAuthError {
  /**
   * `unsupportedScheme`: the request authenticated with a scheme the library does not take (`Basic`, …), which
   * RFC 6750 §3.1 answers like a request without credentials: a challenge without an error code.
   */
  constructor(
    code: InvalidTokenCode,
    description: string,
    readonly unsupportedScheme = false,
  ) {
    super(code, description);
  }

  protected override get namesNoError(): boolean {
    return super.namesNoError || this.unsupportedScheme;
  }
}

/** 401: the request's DPoP proof is missing, malformed, replayed or not for this request (RFC 9449 §7.1). */
export class InvalidDpopProofError extends KeycloakAuthError {
  constructor(code: InvalidDpopProofCode, description: string) {
    super(code, description);
  }
}

/** 403: a valid token that lacks a scope, a role or an allowed caller (RFC 6750 insufficient_scope). */
export class InsufficientScopeError extends KeycloakAuthError {
  constructor(code: InsufficientScopeCode, description: string, requiredScopes: readonly string[] = []) {
    super(code, description, requiredScopes);
  }
}

/**
 * 503 `idp_unavailable`: Keycloak could not be reached or failed; the request is refused rather than let through
 * (fail closed). An outage: client credentials retry on it.
 */
export class IdentityProviderUnavailableError extends KeycloakAuthError {
  constructor(description: string) {
    super('idp_unavailable', description);
  }
}

/**
 * 503 `idp_rejected_client`: Keycloak refused this service's own client — a secret, key or assertion it does not
 * accept, or a grant the client may not use. A configuration to fix, not an outage: never retried, and not an
 * {@link IdentityProviderUnavailableError}. Answered 503 since the service cannot serve until it is fixed.
 */
export class ClientConfigurationError extends KeycloakAuthError {
  constructor(
    description: string,
    /** Keycloak's OAuth error (`invalid_client`, `unauthorized_client`), when it answered one. */
    readonly oauthError?: string,
  ) {
    super('idp_rejected_client', description);
  }
}

/**
 * 429: one caller (the `azp` of tokens whose signature already checked) sent more new tokens to introspect than
 * `introspection.missesPerMinute` allows; the guard answers with `Retry-After`. Not the token's fault: no challenge.
 */
export class IntrospectionRateLimitedError extends KeycloakAuthError {
  constructor(
    description: string,
    /** Whole seconds until the caller's window ends. */
    readonly retryAfterSec: number,
  ) {
    super('introspection_rate_limited', description);
  }
}

/**
 * 503 `replay_store_unavailable` / `counter_store_unavailable`: the store the library's checks share between
 * replicas (`dpop.replayStore`, `introspection.budgetStore`) could not answer — Redis down, a timeout. The request is
 * refused, never accepted unchecked (fail closed); the guard answers with `Retry-After`. No challenge.
 */
export class StoreUnavailableError extends KeycloakAuthError {
  constructor(
    code: StoreUnavailableCode,
    description: string,
    /** Whole seconds after which a retry may find the store back. */
    readonly retryAfterSec = 1,
  ) {
    super(code, description);
  }
}

/**
 * Keycloak refused a client-credentials or token-exchange request at its token endpoint. The code tells the caller
 * what it means for them: the subject token refused → 401 `exchange_subject_rejected`, exchange not allowed → 403
 * `exchange_denied`, another refusal of this service's request (an unknown scope) → 502 `exchange_failed` or
 * `client_credentials_failed`.
 */
export class TokenEndpointError extends KeycloakAuthError {
  constructor(
    code: TokenEndpointCode,
    description: string,
    /** Keycloak's OAuth error, or `http_<status>` / `invalid_response` for an answer that carried none. */
    readonly oauthError: string,
  ) {
    super(code, description);
  }
}

// RFC 6750 §3: error_description is limited to printable ASCII without '"' and '\'.
function quote(value: string): string {
  return value.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '?');
}

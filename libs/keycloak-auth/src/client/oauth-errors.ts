import * as oidc from 'openid-client';
import {
  ClientConfigurationError,
  IdentityProviderUnavailableError,
  InvalidTokenError,
  KeycloakAuthError,
  TokenEndpointError,
} from '../core/errors';
import type { TokenEndpointCode } from '../core/error-codes';
import { KeycloakUnreachableError } from '../transport/keycloak-fetch';
import type { IdpEndpoint } from '../transport/keycloak-auth.observer';

/** The OAuth calls the library makes with openid-client (the JWKS has jose's codes: `fromJoseError`). */
export type OAuthCall = Exclude<IdpEndpoint, 'jwks'>;

/** An OAuth error answer (RFC 6749 §5.2), in the body or in a `WWW-Authenticate` challenge. */
interface OAuthErrorAnswer {
  status: number;
  error: string;
  description?: string;
}

/** Keycloak refused this service's own client: its secret or key, or its right to the grant (RFC 6749 §5.2). */
const CLIENT_REFUSED = new Set(['invalid_client', 'unauthorized_client']);

/** How the token endpoint's other OAuth errors are reported (RFC 6749 §5.2, RFC 8693 §2.2.2). */
const TOKEN_ENDPOINT_ERRORS: Record<string, TokenEndpointCode> = {
  invalid_grant: 'exchange_subject_rejected',
  access_denied: 'exchange_denied',
};

/**
 * The one place where a failed openid-client call becomes the library's typed error:
 * - unreachable, timed out, HTTP 5xx → 503 `idp_unavailable` (fail closed; client credentials retry on it);
 * - `invalid_client` / `unauthorized_client` → 503 `idp_rejected_client` ({@link ClientConfigurationError}), at every
 *   endpoint: this service cannot authenticate (a secret or key Keycloak does not accept), so it cannot serve until
 *   that is fixed; never retried;
 * - at the token endpoint: `invalid_grant` (and an exchange's "Invalid token" or refused DPoP-bound subject) → 401
 *   `exchange_subject_rejected`,
 *   `access_denied` → 403 `exchange_denied`, anything else → 502 `exchange_failed` (`client_credentials_failed`
 *   for this service's own token);
 * - at introspection: HTTP 400 `invalid_request` → 401 `token_inactive` (a verdict, see below), anything else 503.
 */
export function keycloakAuthErrorOf(error: unknown, call: OAuthCall): KeycloakAuthError {
  if (error instanceof KeycloakAuthError) return error;
  // A ClientAuth's own refusal (federated_jwt's unusable assertion file), wrapped by openid-client.
  if (error instanceof oidc.ClientError && error.cause instanceof KeycloakAuthError) return error.cause;
  if (error instanceof KeycloakUnreachableError) return new IdentityProviderUnavailableError(error.message);
  const answer = oauthErrorAnswer(error);
  const status = answer?.status ?? answeredStatus(error);
  const what = call === 'introspection' ? 'introspection' : 'token endpoint';
  if (status !== undefined && status >= 500) {
    return new IdentityProviderUnavailableError(`${what} failed with HTTP ${status}`);
  }
  const detail = answer?.description ? `: ${answer.description}` : '';
  if (call === 'introspection') {
    if (answer && CLIENT_REFUSED.has(answer.error)) {
      const why = `Keycloak refused this service's client at introspection (${answer.error}${detail})`;
      return new ClientConfigurationError(why, answer.error);
    }
    // Keycloak answers 400 invalid_request ("Failed to introspect token.") to a token it cannot even parse
    // (a header without `alg`; 26.7 answers `alg: none` with `active: false`): a verdict on the caller's token, not an outage.
    if (answer?.status === 400 && answer.error === 'invalid_request') {
      return new InvalidTokenError('token_inactive', 'token is not active');
    }
    return new IdentityProviderUnavailableError(
      `introspection failed (${answer?.error ?? httpLabel(status)})`,
    );
  }
  const failed: TokenEndpointCode = call === 'token' ? 'client_credentials_failed' : 'exchange_failed';
  if (!answer) {
    const label = httpLabel(status);
    return new TokenEndpointError(failed, `Keycloak's token endpoint answered ${label}`, label);
  }
  const description = `Keycloak refused the token request (${answer.error}${detail})`;
  if (CLIENT_REFUSED.has(answer.error)) return new ClientConfigurationError(description, answer.error);
  const code = subjectTokenRefused(call, answer)
    ? TOKEN_ENDPOINT_ERRORS.invalid_grant
    : (TOKEN_ENDPOINT_ERRORS[answer.error] ?? failed);
  return new TokenEndpointError(code, description, answer.error);
}

/**
 * True when Keycloak refused the subject token of an exchange. RFC 8693 §2.2.2 reports an invalid subject_token as
 * `invalid_request`, and Keycloak does so with the description "Invalid token" (its "subject_token validation
 * failure": expired, the user's session ended, the client disabled, the signing key removed). That is the caller's
 * token, not this service's request: 401, like `invalid_grant`. So is a DPoP-bound subject token, which Keycloak
 * (through 26.7) never exchanges ("Sender-constrained token exchange rejected …"): the caller must send a bearer
 * token here. Other `invalid_request` answers (e.g. "Requested audience not available") stay a misconfiguration
 * of this service: 502.
 */
function subjectTokenRefused(call: OAuthCall, answer: OAuthErrorAnswer): boolean {
  if (call !== 'token_exchange' || answer.error !== 'invalid_request') return false;
  const description = answer.description ?? '';
  return (
    description === 'Invalid token' || description.startsWith('Sender-constrained token exchange rejected')
  );
}

function oauthErrorAnswer(error: unknown): OAuthErrorAnswer | undefined {
  if (error instanceof oidc.ResponseBodyError) {
    return { status: error.status, error: error.error, description: error.error_description };
  }
  if (error instanceof oidc.WWWAuthenticateChallengeError) {
    const parameters = error.cause.find((challenge) => challenge.parameters.error)?.parameters;
    if (parameters?.error) {
      return { status: error.status, error: parameters.error, description: parameters.error_description };
    }
  }
  return undefined;
}

/** The HTTP status of an answer openid-client could not use (not JSON, unexpected status), when it kept it. */
function answeredStatus(error: unknown): number | undefined {
  if (error instanceof oidc.WWWAuthenticateChallengeError) return error.status;
  const status = ((error as { cause?: unknown } | null)?.cause as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

function httpLabel(status: number | undefined): string {
  return status === undefined ? 'invalid_response' : `http_${status}`;
}

import {
  ClientConfigurationError,
  IdentityProviderUnavailableError,
  InvalidTokenError,
  KeycloakAuthError,
  TokenEndpointError,
} from '../core/errors';
import { KeycloakUnreachableError } from '../transport/keycloak-fetch';
import type { KeycloakOAuthClient, TokenEndpointAnswer } from './keycloak-oauth.client';
import { grants, Permission, permissionParameter } from './permission';

/** Keycloak's UMA 2.0 grant type (its Authorization Services' token endpoint grant). */
export const UMA_TICKET_GRANT = 'urn:ietf:params:oauth:grant-type:uma-ticket';
/** The `claim_token_format` of pushed claims: a base64url JSON object of claims. */
const CLAIM_TOKEN_FORMAT = 'urn:ietf:params:oauth:token-type:jwt';

/** Keycloak's verdict on one permission; an unknown resource or scope is its own verdict (permissive mode). */
export type PermissionVerdict = 'allowed' | 'denied' | 'unknown_resource';

/** Claims pushed with a decision, each a list of strings (UMA `claim_token`). */
export type PushedClaims = Readonly<Record<string, readonly string[]>>;

/** What one decision request is about. */
export interface DecisionRequest {
  /** The caller's access token, already verified by this service: the UMA `subject_token`. */
  readonly subjectToken: string;
  readonly permissions: readonly Permission[];
  readonly claims?: PushedClaims;
  /** The realm of the token, when not the home realm. */
  readonly issuer?: string;
}

/**
 * Asks Keycloak's Authorization Services whether a caller holds permissions, with the UMA grant at the token
 * endpoint: `audience` = the resource server, the caller's token as `subject_token`, this service authenticated
 * as for every other call (its signed-JWT assertion, or its secret). One permission of one scope is asked with
 * `response_mode=decision`; several, or one of several scopes, in one call with `response_mode=permissions`.
 *
 * Keycloak's answers, as found on 26.7: granted → 200 (`{"result": true}` or the granted list); denied → 403
 * `access_denied`; an unknown resource or scope → 400 `invalid_resource` / `invalid_scope` (with
 * `permissions`, unknown ones are left out of the list silently); a subject token it does not accept → 400
 * `unauthorized_client` "Invalid identity"; this service's client refused → 401 `unauthorized_client`; a resource
 * server without authorization → 400 `invalid_request`. A permission several permissions were asked with and not
 * granted is asked again on its own, so each verdict is exact (denied or unknown).
 */
export class UmaDecisionClient {
  constructor(
    private readonly oauth: KeycloakOAuthClient,
    /** The resource server's client id. */
    readonly audience: string,
  ) {}

  /** Keycloak's verdict on each permission of `request`, in order. Throws the library's error when it gave none. */
  async decide(request: DecisionRequest): Promise<PermissionVerdict[]> {
    const { permissions } = request;
    // Decision mode answers one yes for everything asked; Keycloak grants a permission when any of its scopes is
    // granted, so a permission of several scopes is asked in permissions mode, where each granted scope is listed.
    const single = permissions.length === 1 && permissions[0].scopes.length <= 1;
    const answer = await this.ask(request, single ? 'decision' : 'permissions');
    const { error, description } = oauthError(answer);
    const denied = answer.status === 403 && error === 'access_denied';
    const unknown = answer.status === 400 && (error === 'invalid_resource' || error === 'invalid_scope');
    if (permissions.length === 1) {
      if (answer.status === 200) {
        const granted = single
          ? (answer.body as { result?: unknown })?.result === true
          : grants(answer.body, permissions[0]);
        return [granted ? 'allowed' : 'denied'];
      }
      if (denied) return ['denied'];
      if (unknown) return ['unknown_resource'];
    } else if (answer.status === 200 || denied || unknown) {
      // With several permissions Keycloak leaves an unknown resource out of its list silently, and one unknown among
      // them fails the whole request: each one not granted is asked again on its own, for its exact verdict.
      const verdicts = permissions.map((p) =>
        answer.status === 200 && grants(answer.body, p)
          ? Promise.resolve<PermissionVerdict[]>(['allowed'])
          : this.decide({ ...request, permissions: [p] }),
      );
      return (await Promise.all(verdicts)).flat();
    }
    throw refusal(answer.status, error, description);
  }

  private async ask(
    request: DecisionRequest,
    mode: 'decision' | 'permissions',
  ): Promise<TokenEndpointAnswer> {
    const parameters: Record<string, string | string[]> = {
      audience: this.audience,
      subject_token: request.subjectToken,
      permission: request.permissions.map(permissionParameter),
      response_mode: mode,
    };
    if (request.claims && Object.keys(request.claims).length > 0) {
      parameters.claim_token = Buffer.from(JSON.stringify(request.claims)).toString('base64url');
      parameters.claim_token_format = CLAIM_TOKEN_FORMAT;
    }
    try {
      return await this.oauth.tokenEndpointRequest(
        UMA_TICKET_GRANT,
        parameters,
        'authorization',
        request.issuer,
      );
    } catch (error) {
      if (error instanceof KeycloakAuthError) throw error;
      if (error instanceof KeycloakUnreachableError)
        throw new IdentityProviderUnavailableError(error.message);
      throw error;
    }
  }
}

function oauthError(answer: TokenEndpointAnswer): { error?: string; description?: string } {
  const body = answer.body as { error?: unknown; error_description?: unknown } | undefined;
  return {
    error: typeof body?.error === 'string' ? body.error : undefined,
    description: typeof body?.error_description === 'string' ? body.error_description : undefined,
  };
}

/** The library's error for an answer that is no verdict: fail closed, never allow. */
function refusal(
  status: number,
  error: string | undefined,
  description: string | undefined,
): KeycloakAuthError {
  if (status >= 500 || error === undefined)
    return new IdentityProviderUnavailableError(`authorization decision failed (http_${status})`);
  // Keycloak answers a subject token it does not accept (expired, its session ended) with 400 "Invalid identity".
  if (status === 400 && error === 'unauthorized_client' && description === 'Invalid identity')
    return new InvalidTokenError('token_inactive', 'Keycloak no longer accepts the token');
  const detail = `${error}${description ? `: ${description}` : ''}`;
  if (error === 'invalid_client' || error === 'unauthorized_client')
    return new ClientConfigurationError(`Keycloak refused this service's client (${detail})`, error);
  return new TokenEndpointError(
    'authorization_failed',
    `Keycloak refused the decision request (${detail})`,
    error,
  );
}

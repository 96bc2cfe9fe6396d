import { Expiring } from '../cache/expiring-cache';
import { Clock } from '../clock';
import { IdentityProviderUnavailableError, KeycloakAuthErrorCode, TokenEndpointError } from '../errors';
import { answerOutcome, KeycloakHttpClient, KeycloakUnreachableError } from '../http/keycloak-http.client';
import { TOKEN_EXCHANGE_GRANT } from '../keycloak-auth.constants';
import { ResolvedKeycloakAuthOptions } from '../keycloak-auth.options';
import { KeycloakAuthObserver, observeIdpCall } from '../observer/keycloak-auth.observer';

/** A successful token endpoint answer (RFC 6749 §5.1), reduced to what callers use. */
export interface IssuedToken {
  accessToken: string;
  /** Lifetime in seconds, as Keycloak stated it. */
  expiresIn: number;
  scope?: string;
}

/** How an OAuth error of the token endpoint is reported (RFC 6749 §5.2, RFC 8693 §2.2.2). */
const OAUTH_ERRORS: Record<string, { code: KeycloakAuthErrorCode; status: number }> = {
  invalid_grant: { code: 'exchange_subject_rejected', status: 401 },
  access_denied: { code: 'exchange_denied', status: 403 },
  invalid_client: { code: 'idp_rejected_client', status: 502 },
  unauthorized_client: { code: 'idp_rejected_client', status: 502 },
};

/**
 * Calls a realm's token endpoint as this service (client secret) and maps every failure to a typed error. The
 * realm is the home realm unless the caller names the issuer of another accepted realm.
 */
export class TokenEndpointClient {
  constructor(
    private readonly options: ResolvedKeycloakAuthOptions,
    private readonly http: KeycloakHttpClient,
  ) {}

  /** Who is told of each call to the token endpoint (and of the callers' cache lookups). */
  get observer(): KeycloakAuthObserver {
    return this.options.observer;
  }

  /**
   * Requests a token and says until when to reuse it: {@link renewAt} with the configured margin and fraction,
   * counted from before the request left (a slow answer must not stretch the token's life).
   */
  async requestRenewable(
    form: Record<string, string>,
    clock: Clock,
    issuer?: string,
  ): Promise<Expiring<string>> {
    const issuedAt = clock.now();
    const token = await this.request(form, issuer);
    const { refreshMarginSec, refreshFraction } = this.options;
    return {
      value: token.accessToken,
      expiresAt: renewAt(issuedAt, token.expiresIn, refreshMarginSec, refreshFraction),
    };
  }

  /** Requests a token at the realm of `issuer` (an accepted realm's issuer; anything else: the home realm). */
  async request(form: Record<string, string>, issuer?: string): Promise<IssuedToken> {
    const realm = this.options.realms.find((r) => r.issuer === issuer) ?? this.options;
    let response;
    try {
      response = await observeIdpCall(
        this.options.observer,
        form.grant_type === TOKEN_EXCHANGE_GRANT ? 'token_exchange' : 'token',
        () =>
          this.http.postForm(realm.endpoints.token, form, { id: realm.clientId, secret: realm.clientSecret }),
        answerOutcome,
      );
    } catch (error) {
      if (error instanceof KeycloakUnreachableError)
        throw new IdentityProviderUnavailableError(error.message);
      throw error;
    }
    const body = (response.body ?? {}) as Record<string, unknown>;
    if (response.status >= 500) {
      throw new IdentityProviderUnavailableError(`token endpoint failed with HTTP ${response.status}`);
    }
    if (response.status !== 200 || typeof body.access_token !== 'string') {
      const oauthError = typeof body.error === 'string' ? body.error : `http_${response.status}`;
      const mapped = OAUTH_ERRORS[oauthError] ?? { code: 'exchange_failed', status: 502 };
      const detail = typeof body.error_description === 'string' ? `: ${body.error_description}` : '';
      throw new TokenEndpointError(
        mapped.code,
        mapped.status,
        `Keycloak refused the token request (${oauthError}${detail})`,
        oauthError,
      );
    }
    return {
      accessToken: body.access_token,
      expiresIn: typeof body.expires_in === 'number' ? body.expires_in : 60,
      scope: typeof body.scope === 'string' ? body.scope : undefined,
    };
  }
}

/** The instant (ms) after which a token issued at `issuedAt` should be renewed: a margin or a fraction of its life, whichever is earlier. */
export function renewAt(issuedAt: number, expiresInSec: number, marginSec: number, fraction: number): number {
  const lifetime = expiresInSec * 1000;
  const early = Math.max(marginSec * 1000, lifetime * fraction);
  return issuedAt + Math.max(lifetime - early, lifetime / 2);
}

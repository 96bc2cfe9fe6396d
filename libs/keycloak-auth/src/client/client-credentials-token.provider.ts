import { ExpiringCache } from '../transport/expiring-cache';
import { Clock } from '../core/clock';
import { IdentityProviderUnavailableError } from '../core/errors';
import { KeycloakOAuthClient } from './keycloak-oauth.client';
import { reportLookups } from '../transport/keycloak-auth.observer';
import { renewableToken } from './token-renewal';
import type { ResolvedOutgoingTokenOptions } from '../config/keycloak-auth.options';

/** What a caller asks of {@link ClientCredentialsTokenProvider}. */
export interface ClientCredentialsRequest {
  /** Extra scopes (space separated) on top of the client's default scopes. */
  scope?: string;
  /**
   * Ask for a DPoP-bound token (RFC 9449): bound to this process's key, sent with `DpopProofMaker`'s headers
   * (nest-keycloak-s2s/dpop). Default false: a bearer token.
   */
  dpop?: boolean;
}

const cacheKey = (request: ClientCredentialsRequest) =>
  `${request.scope?.trim() ?? ''}|${request.dpop ? 'dpop' : 'bearer'}`;

const RETRY_DELAYS_MS = [100, 400];

/**
 * This service's own access token (OAuth client credentials, RFC 6749 §4.4): cached per scope, renewed before it
 * expires, one request at a time per scope, retried with backoff when Keycloak is briefly unreachable, and
 * never retried when Keycloak refuses the client (a wrong secret stays a clear error).
 */
export class ClientCredentialsTokenProvider {
  private readonly tokens: ExpiringCache<string>;

  constructor(
    private readonly clock: Clock,
    private readonly oauth: KeycloakOAuthClient,
    /** When the tokens are renewed (the module's `outgoingTokens`). */
    private readonly renewal: ResolvedOutgoingTokenOptions,
  ) {
    this.tokens = new ExpiringCache(64, clock, reportLookups(oauth.options.observer, 'client_credentials'));
  }

  /** A valid access token for this client. */
  getToken(request: ClientCredentialsRequest = {}): Promise<string> {
    const scope = request.scope?.trim() ?? '';
    return this.tokens.getOrLoad(cacheKey(request), () => this.fetch(scope, request.dpop ?? false));
  }

  /**
   * Forgets the cached token for `request`, so the next {@link getToken} asks Keycloak again: for a caller whose
   * callee refused the token (revoked, or its session ended) before it expired.
   */
  invalidate(request: ClientCredentialsRequest = {}): void {
    this.tokens.delete(cacheKey(request));
  }

  private async fetch(scope: string, dpop: boolean) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await renewableToken(this.clock, this.renewal, () =>
          this.oauth.clientCredentials(scope, dpop),
        );
      } catch (error) {
        // Only an outage is worth another try: a refusal of this service's own client repeats itself.
        const outage = error instanceof IdentityProviderUnavailableError;
        if (!outage || attempt >= RETRY_DELAYS_MS.length) throw error;
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt]));
      }
    }
  }
}

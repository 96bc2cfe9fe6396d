import { ExpiringCache, tokenHash } from '../transport/expiring-cache';
import { Clock } from '../core/clock';
import { ACCESS_TOKEN_TYPE } from '../core/constants';
import { ResolvedKeycloakAuthOptions } from '../config/keycloak-auth.options';

/** What token exchange needs of the resolved options: the cache bound, the renewal and the observer. */
export type TokenExchangeSettings = Pick<ResolvedKeycloakAuthOptions, 'outgoingTokens' | 'observer'> & {
  readonly verification: Pick<ResolvedKeycloakAuthOptions['verification'], 'cacheMaxEntries'>;
};
import { KeycloakOAuthClient } from './keycloak-oauth.client';
import { reportLookups } from '../transport/keycloak-auth.observer';
import { claimedIssuer } from '../core/unverified-token';
import { renewableToken } from './token-renewal';

/** The target of an exchange: the audience (a client id) and the scopes the new token should carry. */
export interface ExchangeTarget {
  audience: string;
  /**
   * Space-separated scopes. With Keycloak's standard token exchange the `audience` parameter only narrows the
   * audiences the requester's client scopes produce, so the optional scope carrying the target's audience
   * mapper must be requested here too (e.g. `analytics.run service-c-audience`).
   */
  scope?: string;
  /**
   * Send this service's DPoP proof with the exchange, so the new token is bound to its key (RFC 9449); call the
   * target with `DpopProofMaker`'s headers (nest-keycloak-s2s/dpop). Default false. The subject token itself must
   * be a bearer token: Keycloak refuses to exchange a DPoP-bound one.
   */
  dpop?: boolean;
}

/**
 * RFC 8693 token exchange at Keycloak (standard token exchange): trades the caller's access token for one meant
 * for the next service, keeping the subject. Keycloak exchanges only tokens of its own realm, so a token of an
 * additional realm is exchanged at that realm, as this service's client there. Results are cached by
 * hash(subject token) + target until shortly before they expire; concurrent exchanges of one token share one call.
 */
export class TokenExchangeService {
  private readonly exchanged: ExpiringCache<string>;

  constructor(
    private readonly options: TokenExchangeSettings,
    private readonly clock: Clock,
    private readonly oauth: KeycloakOAuthClient,
  ) {
    this.exchanged = new ExpiringCache(
      options.verification.cacheMaxEntries,
      clock,
      reportLookups(options.observer, 'token_exchange'),
    );
  }

  /** Exchanges `subjectToken` (the incoming access token itself) for an access token for `target`. */
  exchange(subjectToken: string, target: ExchangeTarget): Promise<string> {
    const scope = target.scope?.trim() ?? '';
    return this.exchanged.getOrLoad(cacheKey(subjectToken, target), () => {
      const parameters: Record<string, string> = {
        subject_token: subjectToken,
        subject_token_type: ACCESS_TOKEN_TYPE,
        requested_token_type: ACCESS_TOKEN_TYPE,
        audience: target.audience,
      };
      if (scope) parameters.scope = scope;
      const issuer = issuerOf(subjectToken);
      return renewableToken(this.clock, this.options.outgoingTokens, () =>
        this.oauth.exchange(parameters, issuer, target.dpop ?? false),
      );
    });
  }

  /**
   * The token {@link exchange} would answer from its cache for `subjectToken` and `target` (counted as a hit), at
   * once; undefined when it would have to wait for an exchange.
   */
  cachedExchange(subjectToken: string, target: ExchangeTarget): string | undefined {
    return this.exchanged.fresh(cacheKey(subjectToken, target));
  }

  /** Whether {@link exchange} would answer `subjectToken` for `target` without a call to Keycloak. */
  cached(subjectToken: string, target: ExchangeTarget): boolean {
    return this.exchanged.has(cacheKey(subjectToken, target));
  }

  /**
   * Forgets the cached exchange of `subjectToken` for `target`, so the next {@link exchange} asks Keycloak again:
   * for a caller whose callee refused the exchanged token before it expired.
   */
  invalidate(subjectToken: string, target: ExchangeTarget): void {
    this.exchanged.delete(cacheKey(subjectToken, target));
  }
}

function cacheKey(subjectToken: string, target: ExchangeTarget): string {
  const binding = target.dpop ? 'dpop' : 'bearer';
  return `${tokenHash(subjectToken)}|${target.audience}|${target.scope?.trim() ?? ''}|${binding}`;
}

/** The realm to exchange at: the one the subject token names; a token that is no JWT goes to the home realm's Keycloak, which refuses it. */
function issuerOf(subjectToken: string): string | undefined {
  try {
    return claimedIssuer(subjectToken);
  } catch {
    return undefined;
  }
}

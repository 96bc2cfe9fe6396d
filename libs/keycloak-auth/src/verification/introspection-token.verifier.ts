import { ExpiringCache, tokenHash } from '../transport/expiring-cache';
import { Clock } from '../core/clock';
import { IdentityProviderUnavailableError, InvalidTokenError } from '../core/errors';
import { ResolvedKeycloakAuthOptions, ResolvedRealm } from '../config/keycloak-auth.options';
import { KeycloakOAuthClient } from '../client/keycloak-oauth.client';
import { reportLookups } from '../transport/keycloak-auth.observer';
import { Principal, principalFromClaims } from '../core/principal';
import { compactVerify, decodeProtectedHeader, JWTVerifyGetKey } from 'jose';
import { assertAccessTokenClaims, ClaimExpectations, claimExpectations } from './access-token-claims';
import { claimsNamingIssuer, looksLikeJwt } from '../core/unverified-token';
import { fromJoseError } from './jose-errors';
import { JwksSettings, realmJwks } from './realm-jwks';

/** What an introspection-mode verifier needs of the resolved options besides its realm. */
export type IntrospectionVerifierSettings = Pick<
  ResolvedKeycloakAuthOptions,
  'audience' | 'verification' | 'introspection' | 'observer'
> &
  JwksSettings;
import { CallerBudget } from './caller-budget';
import { TokenVerifier } from './token-verifier';

/** Keycloak's verdict on a token; for an active one its claims and the principal built from them (once). */
type Introspected =
  | { active: true; claims: Record<string, unknown>; principal: Principal; accepted?: true }
  | { active: false };

/**
 * RFC 7662 introspection at Keycloak, authenticated as this service's client (openid-client, see KeycloakOAuthClient).
 * Answers are cached by token hash for at most `introspection.cacheTtlSec` and never past the token's `exp`, so
 * a revoked token is refused within that TTL; concurrent requests for one token share one call. When Keycloak
 * is down or failing the request is refused with 503: fail closed.
 * Before spending a call, the token's header and claims are checked with the same rules applied to Keycloak's
 * answer (junk, another issuer, another audience, an expired token or a disallowed algorithm is refused), and then
 * its signature against the realm's JWKS, as jwt mode checks it: a forged token — a random key, plausible claims —
 * is refused here too, so a flood of such tokens never reaches the introspection endpoint (an unknown `kid` may
 * refetch the JWKS, at most once per `jwks.cooldownMs`). Only Keycloak's answer can make a validly signed token
 * valid: revocation keeps working. A token found in the cache passed those checks when it was first seen.
 */
export class IntrospectionTokenVerifier implements TokenVerifier {
  private readonly answers: ExpiringCache<Introspected>;
  private readonly budget: CallerBudget;
  private readonly expectations: ClaimExpectations;

  constructor(
    private readonly realm: ResolvedRealm,
    private readonly options: IntrospectionVerifierSettings,
    private readonly clock: Clock,
    private readonly oauth: KeycloakOAuthClient,
    private readonly keys: JWTVerifyGetKey = realmJwks(realm, options, oauth.dispatcher),
  ) {
    this.expectations = claimExpectations(realm, options);
    this.budget = new CallerBudget(
      options.introspection.missesPerMinute,
      clock,
      options.introspection.budgetStore,
      realm.issuer,
    );
    this.answers = new ExpiringCache(
      options.verification.cacheMaxEntries,
      clock,
      reportLookups(options.observer, 'introspection'),
    );
  }

  /** Keycloak's remembered verdict on a token seen before, with the same checks as {@link verify}. */
  cached(token: string): Principal | undefined {
    const answer = this.answers.fresh(tokenHash(token));
    return answer === undefined ? undefined : this.principalOf(answer);
  }

  async verify(token: string): Promise<Principal> {
    if (!looksLikeJwt(token)) throw new InvalidTokenError('token_malformed', 'token malformed');
    const answer = await this.answers.getOrLoad(tokenHash(token), async () => {
      const caller = await this.refuseLocally(token);
      await this.budget.spend(caller);
      try {
        return await this.introspect(token);
      } catch (error) {
        // Keycloak out of reach is not the caller's doing: the miss is given back, the answer stays 503.
        if (error instanceof IdentityProviderUnavailableError) await this.budget.refund(caller);
        throw error;
      }
    });
    return this.principalOf(answer);
  }

  /** The principal of an answer while its claims still hold; an inactive token's refusal. */
  private principalOf(answer: Introspected): Principal {
    if (!answer.active) throw new InvalidTokenError('token_inactive', 'token is not active');
    // Once accepted, an answer stays acceptable while cached: its claims do not change, nbf and iat only become
    // truer with time, and the entry expires by the token's exp.
    if (answer.accepted) return answer.principal;
    assertAccessTokenClaims(answer.claims, this.expectations, this.clock.now());
    answer.accepted = true;
    return answer.principal;
  }

  /**
   * Throws for a token Keycloak could only call inactive or this service would refuse anyway; returns its `azp`
   * (the caller, authentic once the signature checked), whose budget of introspections the call spends.
   */
  private async refuseLocally(token: string): Promise<string> {
    // The issuer first, as when several realms are accepted and the issuer picks the one that checks.
    const claims = claimsNamingIssuer(token, this.realm.issuer);
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new InvalidTokenError('token_malformed', 'token malformed');
    }
    if (typeof alg !== 'string' || !this.options.verification.algorithms.includes(alg))
      throw new InvalidTokenError('token_algorithm_not_allowed', 'token algorithm not allowed');
    assertAccessTokenClaims(claims, this.expectations, this.clock.now());
    try {
      await compactVerify(token, this.keys, { algorithms: [...this.options.verification.algorithms] });
    } catch (error) {
      throw fromJoseError(error);
    }
    return String(claims.azp);
  }

  private async introspect(token: string): Promise<{ value: Introspected; expiresAt: number }> {
    let body: Record<string, unknown>;
    try {
      body = await this.oauth.introspect(token, this.realm.issuer);
    } catch (error) {
      // Keycloak's verdict on a token it cannot parse is remembered like `active: false`; failures are not.
      if (error instanceof InvalidTokenError && error.code === 'token_inactive') return this.inactive();
      throw error;
    }
    if (!body.active) return this.inactive();
    const ttlEnd = this.clock.now() + this.options.introspection.cacheTtlSec * 1000;
    const exp = typeof body.exp === 'number' ? body.exp * 1000 : 0;
    // The principal is built once; every use checks the claims first (verify), so it never outlives them.
    const value = { active: true as const, claims: body, principal: principalFromClaims(body) };
    return { value, expiresAt: Math.min(ttlEnd, exp) };
  }

  private inactive(): { value: Introspected; expiresAt: number } {
    return {
      value: { active: false },
      expiresAt: this.clock.now() + this.options.introspection.cacheTtlSec * 1000,
    };
  }
}

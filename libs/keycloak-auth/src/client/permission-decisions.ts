import { hash } from 'node:crypto';
import type { Clock } from '../core/clock';
import { ExpiringCache, tokenHash } from '../transport/expiring-cache';
import {
  AuthzOutcome,
  AuthzSource,
  KeycloakAuthObserver,
  reportLookups,
} from '../transport/keycloak-auth.observer';
import { Permission, permissionParameter, rptGrants } from './permission';
import { DecisionRequest, PermissionVerdict, PushedClaims, UmaDecisionClient } from './uma-decision.client';

/** One permission decided: the verdict and where it came from. */
export interface PermissionCheck {
  readonly permission: Permission;
  readonly verdict: PermissionVerdict;
  readonly source: AuthzSource;
}

/** The verified caller's token a decision is for. */
export interface VerifiedSubject {
  readonly token: string;
  /**
   * Its SHA-256, base64url (the library's token cache key), when the caller has it at hand; worked out from `token`
   * otherwise. Decisions are cached under it: it must be the digest of `token`.
   */
  readonly digest?: string;
  /** Its claims (an RPT's `authorization` is read from them). */
  readonly claims: Readonly<Record<string, unknown>>;
  /** Its `exp`, seconds since the epoch: no decision is kept past it. */
  readonly expiresAt: number;
  readonly issuer?: string;
}

/** How long and how many decisions are kept. */
export interface DecisionCacheSettings {
  readonly ttlMs: number;
  readonly maxEntries: number;
}

/**
 * The decision path of a route's permissions: the token's own RPT claim first, then decisions cached per (hash of
 * the token, pushed claims, permission), then Keycloak ({@link UmaDecisionClient}) for the rest, all of them in
 * one call. The cache has single flight (concurrent requests with one token and permission cost one call) and
 * keeps a decision for `ttlMs`, never past the token's `exp`. Failures are not cached. Only tokens this service
 * has verified are given to it.
 */
export class PermissionDecisions {
  private readonly cache: ExpiringCache<PermissionVerdict>;

  constructor(
    private readonly client: UmaDecisionClient,
    private readonly clock: Clock,
    private readonly settings: DecisionCacheSettings,
    private readonly observer: KeycloakAuthObserver,
  ) {
    this.cache = new ExpiringCache(settings.maxEntries, clock, reportLookups(observer, 'authorization'));
  }

  /** The verdict on each permission, in order; throws (fail closed) when Keycloak gave none. */
  async check(
    subject: VerifiedSubject,
    permissions: readonly Permission[],
    claims?: PushedClaims,
  ): Promise<PermissionCheck[]> {
    const prefix = `${subject.digest ?? tokenHash(subject.token)} ${claims ? hash('sha256', JSON.stringify(claims), 'base64url') : '-'} `;
    const known = permissions.map((permission): PermissionCheck | undefined => {
      if (rptGrants(subject.claims, permission)) return { permission, verdict: 'allowed', source: 'claim' };
      const cached = this.cache.fresh(prefix + permissionParameter(permission));
      return cached === undefined ? undefined : { permission, verdict: cached, source: 'cache' };
    });
    const toAsk = permissions.filter((_, i) => known[i] === undefined);
    if (toAsk.length === 0) return known.map((check) => this.report(check!));
    // Those not being asked already are asked together, in one call made when the first of them needs it.
    const missing = toAsk.filter((p) => !this.cache.has(prefix + permissionParameter(p)));
    let batch: Promise<PermissionVerdict[]> | undefined;
    const ask = () => (batch ??= this.client.decide(this.request(subject, missing, claims)));
    const expiresAt = Math.min(subject.expiresAt * 1000, this.clock.now() + this.settings.ttlMs);
    return Promise.all(
      known.map((check, i) => {
        if (check !== undefined) return this.report(check);
        const permission = permissions[i];
        const key = prefix + permissionParameter(permission);
        const index = missing.indexOf(permission);
        const source: AuthzSource = index < 0 ? 'cache' : 'keycloak';
        return this.cache
          .getOrLoad(key, async () => ({ value: (await ask())[index], expiresAt }))
          .then(
            (verdict) => this.report({ permission, verdict, source }),
            (error: unknown) => {
              this.observer.authorized?.({ outcome: 'unavailable', source });
              throw error;
            },
          );
      }),
    );
  }

  private request(
    subject: VerifiedSubject,
    permissions: Permission[],
    claims?: PushedClaims,
  ): DecisionRequest {
    return { subjectToken: subject.token, permissions, claims, issuer: subject.issuer };
  }

  private report(check: PermissionCheck): PermissionCheck {
    const outcome: AuthzOutcome = check.verdict;
    this.observer.authorized?.({ outcome, source: check.source });
    return check;
  }
}

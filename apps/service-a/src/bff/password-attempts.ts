import { Injectable } from '@nestjs/common';
import { TooManyRequestsException } from '@app/service-runtime';
import { LRUCache } from 'lru-cache';

/**
 * Least time between a failed password attempt for a username and the next one. Keycloak's brute-force "quick
 * login check" locks a user when two failures come closer than its `quickLoginCheckMilliSeconds` (1000 by default):
 * never forward two that close.
 */
const AFTER_FAILURE_MS = 1_000;
/**
 * Failed attempts per username this service forwards within {@link FAILURE_WINDOW_MS}: well below the realm's
 * `failureFactor` (30 by default), so it stops before Keycloak's lockout of the real user is reached.
 */
export const MAX_FAILURES = 10;
/** How long failures count: the realm's `maxDeltaTimeSeconds` (12 h by default), after which Keycloak forgets them. */
const FAILURE_WINDOW_MS = 12 * 3600 * 1000;
/** Usernames tracked at once (least recently used dropped first): bounded memory whatever is sent. */
const MAX_USERNAMES = 10_000;

/** What service-a remembers of one username's recent attempts. */
interface Attempts {
  failures: number;
  firstFailureAt: number;
  lastFailureAt: number;
  inFlight: boolean;
}

/**
 * The password grant's per-username limit. One attempt per username at a time; after a failure, none for a second;
 * after {@link MAX_FAILURES} failures without a success, none until the window has passed. A success clears the
 * username's record, as it clears Keycloak's failure count. A refused attempt gets 429 with `Retry-After` and never
 * reaches Keycloak, so this endpoint cannot be used to lock a real user out of the realm.
 */
@Injectable()
export class PasswordAttemptLimiter {
  private readonly attempts = new LRUCache<string, Attempts>({ max: MAX_USERNAMES, ttl: FAILURE_WINDOW_MS });

  constructor(private readonly now: () => number = Date.now) {}

  /** Forwards `attempt` for `username` if its limits allow, and records its outcome (`failed` says which). */
  async run<T>(username: string, attempt: () => Promise<T>, failed: (error: unknown) => boolean): Promise<T> {
    // Keycloak matches usernames without regard to case: so do the limits.
    const key = username.toLowerCase();
    const record = this.admit(key);
    try {
      const result = await attempt();
      record.failures = 0; // as Keycloak resets its count on a successful login
      return result;
    } catch (error) {
      if (failed(error)) {
        const now = this.now();
        if (record.failures === 0) record.firstFailureAt = now;
        record.failures += 1;
        record.lastFailureAt = now;
      }
      throw error;
    } finally {
      record.inFlight = false;
      if (record.failures > 0) this.attempts.set(key, record, { ttl: this.windowLeft(record) });
      else this.attempts.delete(key);
    }
  }

  private admit(key: string): Attempts {
    const now = this.now();
    const known = this.attempts.get(key);
    // The cache's own TTL bounds memory; the window is judged here, on the injected clock.
    const current = known && (known.inFlight || now < known.firstFailureAt + FAILURE_WINDOW_MS);
    const record = current ? known : { failures: 0, firstFailureAt: 0, lastFailureAt: 0, inFlight: false };
    if (record.inFlight) throw new TooManyRequestsException(1, 'a login for this username is under way');
    if (record.failures >= MAX_FAILURES)
      throw new TooManyRequestsException(
        Math.ceil(this.windowLeft(record) / 1000),
        'too many failed logins for this username',
      );
    const sinceFailure = now - record.lastFailureAt;
    if (record.failures > 0 && sinceFailure < AFTER_FAILURE_MS)
      throw new TooManyRequestsException(
        Math.ceil((AFTER_FAILURE_MS - sinceFailure) / 1000),
        'a failed login for this username just now',
      );
    record.inFlight = true;
    this.attempts.set(key, record);
    return record;
  }

  private windowLeft(record: Attempts): number {
    return Math.max(1, record.firstFailureAt + FAILURE_WINDOW_MS - this.now());
  }
}

import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { Clock } from '../core/clock';
import type { CacheResult } from './keycloak-auth.observer';

/** What a loader hands to {@link ExpiringCache}: the value and the instant (ms) after which it must not be served. */
export interface Expiring<V> {
  value: V;
  expiresAt: number;
}

/**
 * A bounded LRU whose entries expire on the injected clock, with single flight: concurrent misses for one key
 * share one load. Used for verified tokens, introspection answers, client-credentials and exchanged tokens.
 */
export class ExpiringCache<V> {
  private readonly entries: LRUCache<string, Expiring<V>>;
  private readonly inflight = new Map<string, Promise<V>>();

  /** `onLookup` is told of every lookup, hit or miss (the observer's metrics hook). */
  constructor(
    maxEntries: number,
    private readonly clock: Clock,
    private readonly onLookup: (result: CacheResult) => void = () => undefined,
  ) {
    this.entries = new LRUCache({ max: maxEntries });
  }

  /**
   * The value while it is fresh, counted as a hit; else undefined and not counted (the load that follows is).
   * What a request path asks first: a hit costs no promise and no closure.
   */
  fresh(key: string): V | undefined {
    const hit = this.entries.get(key);
    if (hit === undefined || hit.expiresAt <= this.clock.now()) return undefined;
    this.onLookup('hit');
    return hit.value;
  }

  /** Returns the cached value while it is fresh, else loads it once for all concurrent callers. */
  getOrLoad(key: string, load: () => Promise<Expiring<V>>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit) {
      if (hit.expiresAt > this.clock.now()) {
        this.onLookup('hit');
        return Promise.resolve(hit.value);
      }
      this.entries.delete(key);
    }
    const pending = this.inflight.get(key);
    if (pending) {
      this.onLookup('hit');
      return pending;
    }
    this.onLookup('miss');
    const loading = load()
      .then(({ value, expiresAt }) => {
        if (expiresAt > this.clock.now()) this.entries.set(key, { value, expiresAt });
        return value;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, loading);
    return loading;
  }

  /** Whether `key` would be answered without a load: fresh in the cache, or being loaded. Not a lookup. */
  has(key: string): boolean {
    const entry = this.entries.peek(key);
    return (entry !== undefined && entry.expiresAt > this.clock.now()) || this.inflight.has(key);
  }

  /** Forgets one key (e.g. after Keycloak refused a cached token). */
  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Number of stored entries (never more than the bound). */
  get size(): number {
    return this.entries.size;
  }
}

/** Cache key of a token: a SHA-256 digest, so no raw token is ever held as a key or shown in a dump. */
export function tokenHash(token: string): string {
  return hash('sha256', token, 'base64url'); // one-shot: no Hash object per request
}

import { Clock } from '../core/clock';
import { IntrospectionRateLimitedError, StoreUnavailableError } from '../core/errors';
import type { CounterStore } from '../core/shared-state';
import { MemoryCounterStore } from '../transport/memory-stores';

/** Callers tracked at once by the in-process store (least recently seen dropped first): bounded memory. */
const MAX_CALLERS = 10_000;
const WINDOW_MS = 60_000;

/**
 * How many introspections each caller may cause per minute (a fixed window per caller). Only cache misses spend it:
 * a caller's tokens already introspected cost nothing, and a miss whose introspection failed because Keycloak could
 * not be reached is given back ({@link refund}), so an outage stays 503s and does not turn into 429s. The counts
 * live in `store` (by default in this process, on the injected clock; shared by replicas with a shared store); a
 * store that cannot answer refuses the request with 503 `counter_store_unavailable`. `perMinute` 0: no limit.
 */
export class CallerBudget {
  private readonly store: CounterStore;

  constructor(
    private readonly perMinute: number,
    clock: Clock,
    store?: CounterStore,
    /** What keeps one realm's callers apart from another's in a shared store. */
    private readonly scope = '',
  ) {
    this.store = store ?? new MemoryCounterStore(MAX_CALLERS, clock);
  }

  /** Spends one introspection of `caller`'s, or throws 429 with the seconds until its window ends. */
  async spend(caller: string): Promise<void> {
    if (this.perMinute === 0) return;
    let window: { count: number; resetInMs: number };
    try {
      window = await this.store.increment(this.keyOf(caller), WINDOW_MS);
    } catch {
      throw new StoreUnavailableError(
        'counter_store_unavailable',
        'the store of the introspection budget cannot be reached; try again shortly',
      );
    }
    if (window.count > this.perMinute) {
      const retryAfterSec = Math.max(1, Math.ceil(window.resetInMs / 1000));
      throw new IntrospectionRateLimitedError(
        `caller ${caller} sent more than ${this.perMinute} new tokens to introspect this minute`,
        retryAfterSec,
      );
    }
  }

  /**
   * Gives back what {@link spend} took, for an introspection that never got Keycloak's answer. Best effort: a store
   * that cannot answer keeps the count, which only errs on the strict side.
   */
  async refund(caller: string): Promise<void> {
    if (this.perMinute === 0) return;
    await this.store.decrement(this.keyOf(caller)).catch(() => undefined);
  }

  private keyOf(caller: string): string {
    return `${this.scope} ${caller}`;
  }
}

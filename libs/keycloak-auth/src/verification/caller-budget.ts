import { LRUCache } from 'lru-cache';
import { Clock } from '../core/clock';
import { IntrospectionRateLimitedError } from '../core/errors';

/** Callers tracked at once (least recently seen dropped first): bounded memory whatever the tokens say. */
const MAX_CALLERS = 10_000;
const WINDOW_MS = 60_000;

/**
 * How many introspections each caller may cause per minute (a fixed window per caller, on the injected clock).
 * Only cache misses spend it: a caller's tokens already introspected cost nothing. `perMinute` 0: no limit.
 */
export class CallerBudget {
  private readonly windows = new LRUCache<string, { start: number; used: number }>({ max: MAX_CALLERS });

  constructor(
    private readonly perMinute: number,
    private readonly clock: Clock,
  ) {}

  /** Spends one introspection of `caller`'s, or throws 429 with the seconds until its window ends. */
  spend(caller: string): void {
    if (this.perMinute === 0) return;
    const now = this.clock.now();
    let window = this.windows.get(caller);
    if (!window || now - window.start >= WINDOW_MS) {
      window = { start: now, used: 0 };
      this.windows.set(caller, window);
    }
    if (window.used >= this.perMinute) {
      const retryAfterSec = Math.max(1, Math.ceil((window.start + WINDOW_MS - now) / 1000));
      throw new IntrospectionRateLimitedError(
        `caller ${caller} sent more than ${this.perMinute} new tokens to introspect this minute`,
        retryAfterSec,
      );
    }
    window.used += 1;
  }
}

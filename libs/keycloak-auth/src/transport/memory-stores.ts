import { LRUCache } from 'lru-cache';
import { Clock } from '../core/clock';
import type { CounterStore, CounterWindow, ReplayStore } from '../core/shared-state';

/**
 * A {@link ReplayStore} in this process: bounded (the least recently used key goes first), expiring on the injected
 * clock. The default: right for one process; replicas each remember only their own (use a shared store there).
 */
export class MemoryReplayStore implements ReplayStore {
  private readonly until: LRUCache<string, number>;

  constructor(
    maxEntries: number,
    private readonly clock: Clock,
  ) {
    this.until = new LRUCache({ max: maxEntries });
  }

  rememberOnce(key: string, ttlMs: number): Promise<boolean> {
    const now = this.clock.now();
    const known = this.until.get(key);
    if (known !== undefined && known > now) return Promise.resolve(false);
    this.until.set(key, now + ttlMs);
    return Promise.resolve(true);
  }

  /** Number of keys held (never more than the bound). */
  get size(): number {
    return this.until.size;
  }
}

/**
 * A {@link CounterStore} in this process: fixed windows on the injected clock, bounded (the least recently seen key
 * goes first). The default; replicas each count their own.
 */
export class MemoryCounterStore implements CounterStore {
  private readonly windows: LRUCache<string, { start: number; windowMs: number; count: number }>;

  constructor(
    maxKeys: number,
    private readonly clock: Clock,
  ) {
    this.windows = new LRUCache({ max: maxKeys });
  }

  increment(key: string, windowMs: number): Promise<CounterWindow> {
    const now = this.clock.now();
    let window = this.windows.get(key);
    if (!window || now - window.start >= window.windowMs) {
      window = { start: now, windowMs, count: 0 };
      this.windows.set(key, window);
    }
    window.count += 1;
    return Promise.resolve({ count: window.count, resetInMs: window.start + window.windowMs - now });
  }

  decrement(key: string): Promise<void> {
    const window = this.windows.peek(key);
    if (window && window.count > 0 && this.clock.now() - window.start < window.windowMs) window.count -= 1;
    return Promise.resolve();
  }
}

// The state the library's checks keep between requests — DPoP proof `jti`s seen, introspections each caller
// caused — behind two small interfaces, so replicas of a service can share it (nest-keycloak-s2s/redis) instead of
// each counting its own. A store that cannot answer rejects: the check that asked refuses the request (503).

/**
 * Remembers one-time values (a DPoP proof's `jti`) for a while: an atomic set-if-absent with expiry. Every replica
 * of a service must use the same store, or a proof accepted by one is accepted again by the next.
 */
export interface ReplayStore {
  /**
   * Records `key` for `ttlMs` milliseconds and resolves true when it was not recorded yet (first use), false when it
   * was (a replay). Atomic: of concurrent calls with one key, exactly one resolves true. Rejects when the store
   * cannot answer; the caller then refuses the request. `key` is already a digest: no raw proof or token.
   */
  rememberOnce(key: string, ttlMs: number): Promise<boolean>;
}

/** One counter's state after an increment: its count in the current window and the milliseconds the window has left. */
export interface CounterWindow {
  readonly count: number;
  readonly resetInMs: number;
}

/**
 * Counters in fixed windows (the introspections one caller caused this minute), shared by every replica that uses
 * the same store. Both methods reject when the store cannot answer.
 */
export interface CounterStore {
  /**
   * Adds one to `key`'s count; the first increment of a window starts it and the count is gone `windowMs` later.
   * Resolves the count after this increment and the time left in the window.
   */
  increment(key: string, windowMs: number): Promise<CounterWindow>;
  /** Takes one back (an increment that should not have counted); nothing when the window is already gone. */
  decrement(key: string): Promise<void>;
}

/** Whether `value` has the method of a {@link ReplayStore}. */
export function isReplayStore(value: unknown): value is ReplayStore {
  return typeof (value as ReplayStore | null)?.rememberOnce === 'function';
}

/** Whether `value` has the methods of a {@link CounterStore}. */
export function isCounterStore(value: unknown): value is CounterStore {
  const store = value as CounterStore | null;
  return typeof store?.increment === 'function' && typeof store.decrement === 'function';
}

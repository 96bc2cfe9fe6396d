import { hash } from 'node:crypto';
import type { CounterStore, CounterWindow, ReplayStore } from '../core/shared-state';

/**
 * What the Redis stores need of a client: `sendCommand`, which @redis/client's `createClient()` has. Create it with
 * `disableOfflineQueue: true` and a command timeout (`commandOptions.timeout`), so a command fails at once while
 * Redis is down instead of waiting in a queue: the store then rejects and the library refuses the request (503).
 */
export interface RedisCommandSender {
  sendCommand(args: string[]): Promise<unknown>;
}

/** The options of {@link RedisReplayStore} and {@link RedisCounterStore}. */
export interface RedisStoreOptions {
  /**
   * What every key starts with, before the SHA-256 of the key: replicas of one service share it; another service
   * or another use on the same Redis takes another. Default `nest-keycloak-s2s:dpop-jti:` ({@link RedisReplayStore})
   * and `nest-keycloak-s2s:introspection-budget:` ({@link RedisCounterStore}).
   */
  prefix?: string;
}

/** A Redis key: the prefix and the SHA-256 of `key`, so Redis never holds a raw value. */
function redisKey(prefix: string, key: string): string {
  return prefix + hash('sha256', key, 'base64url');
}

/**
 * A {@link ReplayStore} in Redis for every replica of a service (`dpop.replayStore`): one `SET key 1 NX PX ttl` per
 * proof, atomic in Redis, so of two replicas shown one proof exactly one accepts it. Keys are `<prefix><SHA-256>`
 * and expire with the proof. Fits any one-time value (a logout token's `jti`) under a prefix of its own. A command that fails (Redis down, a timeout) rejects:
 * the proof is refused with 503 `replay_store_unavailable`, never accepted unchecked.
 */
export class RedisReplayStore implements ReplayStore {
  private readonly prefix: string;

  constructor(
    private readonly client: RedisCommandSender,
    options: RedisStoreOptions = {},
  ) {
    this.prefix = options.prefix ?? 'nest-keycloak-s2s:dpop-jti:';
  }

  async rememberOnce(key: string, ttlMs: number): Promise<boolean> {
    const ttl = String(Math.max(1, Math.ceil(ttlMs)));
    const answer = await this.client.sendCommand(['SET', redisKey(this.prefix, key), '1', 'NX', 'PX', ttl]);
    // OK: set now, the first use; nil: already there, a replay. Anything else is not an answer to trust.
    if (answer === 'OK') return true;
    if (answer === null) return false;
    throw new Error('unexpected answer to SET NX');
  }
}

/** INCR, and the window's expiry set by the increment that starts it (or on a key left without one): one atomic step. */
const INCREMENT = `local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

/** DECR only while the window lives: a refund after the window ended must not start a key without expiry. */
const DECREMENT = `if redis.call('PTTL', KEYS[1]) > 0 then return redis.call('DECR', KEYS[1]) end
return 0`;

/**
 * A {@link CounterStore} in Redis for every replica of a service (`introspection.budgetStore`): fixed windows,
 * `INCR` with `PEXPIRE` set by the increment that opens the window, in one script so no key is left without
 * expiry. Keys are `<prefix><SHA-256>`; fits any fixed-window count (a login rate limit) under a prefix of its own. A command that fails rejects: 503
 * `counter_store_unavailable`.
 */
export class RedisCounterStore implements CounterStore {
  private readonly prefix: string;

  constructor(
    private readonly client: RedisCommandSender,
    options: RedisStoreOptions = {},
  ) {
    this.prefix = options.prefix ?? 'nest-keycloak-s2s:introspection-budget:';
  }

  async increment(key: string, windowMs: number): Promise<CounterWindow> {
    const answer = await this.client.sendCommand([
      'EVAL',
      INCREMENT,
      '1',
      redisKey(this.prefix, key),
      String(Math.max(1, Math.ceil(windowMs))),
    ]);
    if (!Array.isArray(answer) || answer.length !== 2) throw new Error('unexpected answer to INCR');
    const [count, resetInMs] = answer.map(Number);
    if (!Number.isFinite(count) || !Number.isFinite(resetInMs)) throw new Error('unexpected answer to INCR');
    return { count, resetInMs };
  }

  async decrement(key: string): Promise<void> {
    await this.client.sendCommand(['EVAL', DECREMENT, '1', redisKey(this.prefix, key)]);
  }
}

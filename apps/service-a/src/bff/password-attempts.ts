import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { StoreUnavailableException, TooManyRequestsException } from '@app/service-runtime';
import type { RedisCommandSender } from 'nest-keycloak-s2s/redis';
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
/** Usernames tracked at once in memory (least recently used dropped first): bounded memory whatever is sent. */
const MAX_USERNAMES = 10_000;
/**
 * In Redis, how long an attempt holds its username: longer than a call to Keycloak may take, and released when it
 * ends; a replica that dies mid-attempt blocks the username no longer than this.
 */
const IN_FLIGHT_LEASE_MS = 15_000;

/** Why an attempt is not forwarded, and in how many milliseconds it may be tried again. */
type Refusal = { reason: 'in_flight' | 'too_many' | 'just_failed'; retryAfterMs: number };
type Outcome = 'success' | 'failure' | 'other';

/** Where the attempts of each username are kept: in this process, or in Redis for every replica. */
export interface AttemptBook {
  /** Checks the limits and, when they allow, marks an attempt in flight, in one step; else the refusal. */
  admit(key: string, now: number): Promise<Refusal | undefined>;
  /** Records how the attempt admitted for `key` ended and releases the username. */
  settle(key: string, outcome: Outcome, now: number): Promise<void>;
}

/** What service-a remembers of one username's recent attempts. */
interface Attempts {
  failures: number;
  firstFailureAt: number;
  lastFailureAt: number;
  inFlight: boolean;
}

/** {@link AttemptBook} in this process: one service-a. */
export class MemoryAttemptBook implements AttemptBook {
  private readonly attempts = new LRUCache<string, Attempts>({ max: MAX_USERNAMES, ttl: FAILURE_WINDOW_MS });

  admit(key: string, now: number): Promise<Refusal | undefined> {
    const known = this.attempts.get(key);
    // The cache's own TTL bounds memory; the window is judged here, on the injected clock.
    const current = known && (known.inFlight || now < known.firstFailureAt + FAILURE_WINDOW_MS);
    const record = current ? known : { failures: 0, firstFailureAt: 0, lastFailureAt: 0, inFlight: false };
    const refusal = refusalOf(record, now);
    if (refusal) return Promise.resolve(refusal);
    record.inFlight = true;
    this.attempts.set(key, record);
    return Promise.resolve(undefined);
  }

  settle(key: string, outcome: Outcome, now: number): Promise<void> {
    const record = this.attempts.get(key);
    if (!record) return Promise.resolve();
    if (outcome === 'success') record.failures = 0; // as Keycloak resets its count on a successful login
    if (outcome === 'failure') {
      if (record.failures === 0) record.firstFailureAt = now;
      record.failures += 1;
      record.lastFailureAt = now;
    }
    record.inFlight = false;
    if (record.failures > 0)
      this.attempts.set(key, record, { ttl: Math.max(1, record.firstFailureAt + FAILURE_WINDOW_MS - now) });
    else this.attempts.delete(key);
    return Promise.resolve();
  }
}

function refusalOf(record: Omit<Attempts, 'inFlight'> & { inFlight: boolean }, now: number) {
  if (record.inFlight) return { reason: 'in_flight', retryAfterMs: 1_000 } as const;
  if (record.failures >= MAX_FAILURES)
    return { reason: 'too_many', retryAfterMs: record.firstFailureAt + FAILURE_WINDOW_MS - now } as const;
  const sinceFailure = now - record.lastFailureAt;
  if (record.failures > 0 && sinceFailure < AFTER_FAILURE_MS)
    return { reason: 'just_failed', retryAfterMs: AFTER_FAILURE_MS - sinceFailure } as const;
  return undefined;
}

// One hash per username: failures, first and last failure (ms), and `inflight`, the end of the lease of the attempt
// under way (0: none). Each script runs atomically in Redis, so replicas cannot both admit one username.
const ADMIT = `local now = tonumber(ARGV[1])
local r = redis.call('HMGET', KEYS[1], 'failures', 'first', 'last', 'inflight')
local failures, first, last, inflight = tonumber(r[1]) or 0, tonumber(r[2]) or 0, tonumber(r[3]) or 0, tonumber(r[4]) or 0
if failures > 0 and now >= first + tonumber(ARGV[4]) then
  failures = 0
  redis.call('HSET', KEYS[1], 'failures', 0, 'first', 0, 'last', 0)
end
if inflight > now then return {1, 1000} end
if failures >= tonumber(ARGV[3]) then return {2, first + tonumber(ARGV[4]) - now} end
if failures > 0 and now - last < tonumber(ARGV[2]) then return {3, tonumber(ARGV[2]) - (now - last)} end
redis.call('HSET', KEYS[1], 'inflight', now + tonumber(ARGV[5]))
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[5]) then redis.call('PEXPIRE', KEYS[1], ARGV[5]) end
return {0, 0}`;

const SETTLE = `if ARGV[1] == 'success' then redis.call('DEL', KEYS[1]) return 0 end
local now = tonumber(ARGV[2])
if ARGV[1] == 'failure' then
  if (tonumber(redis.call('HGET', KEYS[1], 'failures')) or 0) == 0 then redis.call('HSET', KEYS[1], 'first', now) end
  redis.call('HINCRBY', KEYS[1], 'failures', 1)
  redis.call('HSET', KEYS[1], 'last', now)
end
redis.call('HSET', KEYS[1], 'inflight', 0)
local failures = tonumber(redis.call('HGET', KEYS[1], 'failures')) or 0
if failures == 0 then redis.call('DEL', KEYS[1]) return 0 end
local first = tonumber(redis.call('HGET', KEYS[1], 'first')) or now
redis.call('PEXPIRE', KEYS[1], math.max(1, first + tonumber(ARGV[3]) - now))
return 0`;

const REASONS = [undefined, 'in_flight', 'too_many', 'just_failed'] as const;

/**
 * {@link AttemptBook} in Redis: one limit per username for all service-a replicas. Keys are the username's SHA-256
 * under `s2s:service-a:password-attempts:`. A command that fails rejects; the login is then refused with 503.
 */
export class RedisAttemptBook implements AttemptBook {
  constructor(
    private readonly client: RedisCommandSender,
    private readonly prefix = 's2s:service-a:password-attempts:',
  ) {}

  async admit(key: string, now: number): Promise<Refusal | undefined> {
    const answer = await this.client.sendCommand([
      'EVAL',
      ADMIT,
      '1',
      this.keyOf(key),
      String(now),
      String(AFTER_FAILURE_MS),
      String(MAX_FAILURES),
      String(FAILURE_WINDOW_MS),
      String(IN_FLIGHT_LEASE_MS),
    ]);
    if (!Array.isArray(answer)) throw new Error('unexpected answer of the attempts script');
    const [code, retryAfterMs] = answer.map(Number);
    if (code === 0) return undefined;
    const reason = REASONS[code];
    if (reason === undefined) throw new Error('unexpected answer of the attempts script');
    return { reason, retryAfterMs };
  }

  async settle(key: string, outcome: Outcome, now: number): Promise<void> {
    await this.client.sendCommand([
      'EVAL',
      SETTLE,
      '1',
      this.keyOf(key),
      outcome,
      String(now),
      String(FAILURE_WINDOW_MS),
    ]);
  }

  private keyOf(username: string): string {
    return this.prefix + createHash('sha256').update(username).digest('base64url');
  }
}

const MESSAGES: Record<Refusal['reason'], string> = {
  in_flight: 'a login for this username is under way',
  too_many: 'too many failed logins for this username',
  just_failed: 'a failed login for this username just now',
};

/**
 * The password grant's per-username limit. One attempt per username at a time; after a failure, none for a second;
 * after {@link MAX_FAILURES} failures without a success, none until the window has passed. A success clears the
 * username's record, as it clears Keycloak's failure count. A refused attempt gets 429 with `Retry-After` and never
 * reaches Keycloak, so this endpoint cannot be used to lock a real user out of the realm. The records are in this
 * process or, with Redis, shared by every replica; when Redis cannot answer, the attempt is refused with 503.
 */
@Injectable()
export class PasswordAttemptLimiter {
  constructor(
    private readonly now: () => number = Date.now,
    private readonly book: AttemptBook = new MemoryAttemptBook(),
  ) {}

  /** Forwards `attempt` for `username` if its limits allow, and records its outcome (`failed` says which). */
  async run<T>(username: string, attempt: () => Promise<T>, failed: (error: unknown) => boolean): Promise<T> {
    // Keycloak matches usernames without regard to case: so do the limits.
    const key = username.toLowerCase();
    let refusal: Refusal | undefined;
    try {
      refusal = await this.book.admit(key, this.now());
    } catch {
      throw new StoreUnavailableException('the store of login attempts (Redis)');
    }
    if (refusal)
      throw new TooManyRequestsException(Math.ceil(refusal.retryAfterMs / 1000), MESSAGES[refusal.reason]);
    let outcome: Outcome = 'other';
    try {
      const result = await attempt();
      outcome = 'success';
      return result;
    } catch (error) {
      if (failed(error)) outcome = 'failure';
      throw error;
    } finally {
      // A record that cannot be written keeps the username held until its lease ends: the strict side.
      await this.book.settle(key, outcome, this.now()).catch(() => undefined);
    }
  }
}

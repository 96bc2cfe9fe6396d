import type { ThrottlerStorage } from '@nestjs/throttler';
import { StoreUnavailableException } from '@app/service-runtime';
import { RedisCounterStore } from 'nest-keycloak-s2s/redis';
import type { RedisCommandSender } from 'nest-keycloak-s2s/redis';

/**
 * @nestjs/throttler's storage in Redis, so the login routes' per-address limit is one limit for all service-a
 * replicas: a fixed window per key (the guard's hashed address), counted with the library's {@link RedisCounterStore}
 * (`INCR` and `PEXPIRE` in one step). Over the limit the request is blocked until the window ends (the throttler's
 * default block duration is its window). Redis unreachable: 503, the login refused rather than unlimited.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly counts: RedisCounterStore;

  constructor(client: RedisCommandSender, prefix = 's2s:service-a:login-rate:') {
    this.counts = new RedisCounterStore(client, { prefix });
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    _blockDuration: number,
    throttlerName: string,
  ): ReturnType<ThrottlerStorage['increment']> {
    let window: { count: number; resetInMs: number };
    try {
      window = await this.counts.increment(`${throttlerName}:${key}`, ttl);
    } catch {
      throw new StoreUnavailableException('the store of the login rate limit (Redis)');
    }
    const seconds = Math.max(1, Math.ceil(window.resetInMs / 1000));
    const isBlocked = window.count > limit;
    return {
      totalHits: window.count,
      timeToExpire: seconds,
      isBlocked,
      timeToBlockExpire: isBlocked ? seconds : 0,
    };
  }
}

import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createClient } from '@redis/client';
import type { ServiceEnv } from './service-env';

/** How long one Redis command may take before the check that asked refuses the request (503). */
const COMMAND_TIMEOUT_MS = 1_000;
/**
 * How long a command waits for a dropped connection to come back (a Redis restart takes a fraction of that) before
 * it fails; never longer, so while Redis is really down a request gets its 503 within this time.
 */
const RECONNECT_GRACE_MS = 5_000;

/**
 * The service's connection to Redis for the state of its security checks (REDIS_URL), shared by its replicas. Fails
 * fast: no offline queue and a short command timeout, so a command rejects — and the check that asked refuses the
 * request with 503 (fail closed) — instead of waiting in a queue. A command sent while the connection is down
 * waits up to {@link RECONNECT_GRACE_MS} for it to come back (a Redis restart) and is never sent twice unless its
 * caller says it is idempotent: `SET NX` must not be repeated after an answer that was lost. It connects in the
 * background and reconnects by itself; its state changes are logged once each, never with the URL (it may hold a
 * password).
 */
export class SharedRedis {
  private readonly client;
  private up = true;
  private readonly waiting = new Set<() => void>();

  constructor(url: string, logger = new Logger('SharedRedis')) {
    this.client = createClient({
      url,
      disableOfflineQueue: true,
      commandOptions: { timeout: COMMAND_TIMEOUT_MS },
      socket: {
        connectTimeout: COMMAND_TIMEOUT_MS,
        reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 500),
      },
    });
    this.client.on('error', (error: Error & { code?: string }) => {
      if (this.up)
        logger.warn(
          `Redis unreachable (${error.name}: ${error.code ?? 'error'}): routes that need it answer 503`,
        );
      this.up = false;
    });
    this.client.on('ready', () => {
      if (!this.up) logger.log('Redis reachable again');
      this.up = true;
      for (const wake of this.waiting) wake();
    });
    this.client.connect().catch(() => undefined); // the 'error' event has reported it; reconnects go on
  }

  /**
   * One command (the library's Redis stores' way in), once the connection is ready. With `idempotent` (a command
   * whose repetition changes nothing: GET, SET without NX, DEL, SADD, EXPIRE, ...), a command the drop of the
   * connection cut is sent once more after the reconnect; otherwise never twice.
   */
  async sendCommand(args: string[], options: { idempotent?: boolean } = {}): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      if (!(await this.ready())) throw new Error('Redis is not reachable');
      try {
        return await this.client.sendCommand(args);
      } catch (error) {
        if (!options.idempotent || attempt === 2) throw error;
      }
    }
  }

  /** Closes the connection (the service's shutdown). */
  async close(): Promise<void> {
    for (const wake of this.waiting) wake();
    if (this.client.isOpen) await this.client.close();
  }

  /** Whether the client is ready now or becomes ready within the grace period. */
  private ready(): Promise<boolean> {
    if (this.client.isReady) return Promise.resolve(true);
    if (!this.client.isOpen) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiting.delete(wake);
        resolve(this.client.isReady);
      };
      const timer = setTimeout(wake, RECONNECT_GRACE_MS);
      this.waiting.add(wake);
    });
  }
}

/**
 * Injection token of the service's {@link SharedRedis}, or null when the service runs without Redis (the state of
 * its checks in this process).
 */
export const SHARED_REDIS = Symbol('SHARED_REDIS');

/** Closes the shared connection at shutdown. */
class SharedRedisCloser implements OnApplicationShutdown {
  constructor(@Inject(SHARED_REDIS) private readonly redis: SharedRedis | null) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.close();
  }
}

/** Provides {@link SHARED_REDIS} to every module of the service. */
@Global()
@Module({
  providers: [
    {
      provide: SHARED_REDIS,
      inject: [ConfigService],
      useFactory: (config: ConfigService<ServiceEnv, true>) => {
        const url = config.get('REDIS_URL', { infer: true });
        return url ? new SharedRedis(url) : null;
      },
    },
    SharedRedisCloser,
  ],
  exports: [SHARED_REDIS],
})
export class SharedRedisModule {}

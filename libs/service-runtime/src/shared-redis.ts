import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createClient } from '@redis/client';
import type { ServiceEnv } from './service-env';

/** How long one Redis command may take before the check that asked refuses the request (503). */
const COMMAND_TIMEOUT_MS = 1_000;

/**
 * Injection token of the service's shared Redis client: the one connection over which every replica keeps the
 * state of its security checks (REDIS_URL), or null when the service runs without Redis (state in this process).
 */
export const SHARED_REDIS = Symbol('SHARED_REDIS');

/**
 * A client that fails fast: no offline queue and a short command timeout, so while Redis is down a command rejects
 * at once and the check that asked refuses the request with 503 (fail closed) instead of waiting. It connects in
 * the background and reconnects by itself; its state changes are logged once each, never with the URL.
 */
export function sharedRedisClient(url: string, logger = new Logger('SharedRedis')) {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    commandOptions: { timeout: COMMAND_TIMEOUT_MS },
    socket: {
      connectTimeout: COMMAND_TIMEOUT_MS,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 1_000),
    },
  });
  let up = true;
  client.on('error', (error: Error & { code?: string }) => {
    if (up)
      logger.warn(
        `Redis unreachable (${error.name}: ${error.code ?? 'error'}): routes that need it answer 503`,
      );
    up = false;
  });
  client.on('ready', () => {
    if (!up) logger.log('Redis reachable again');
    up = true;
  });
  client.connect().catch(() => undefined); // the 'error' event has reported it; reconnects go on
  return client;
}

/** The Redis client of {@link SHARED_REDIS}. */
export type SharedRedisClient = ReturnType<typeof sharedRedisClient>;

/** Closes the shared client at shutdown. */
class SharedRedisCloser implements OnApplicationShutdown {
  constructor(@Inject(SHARED_REDIS) private readonly client: SharedRedisClient | null) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.client?.isOpen) await this.client.close();
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
        return url ? sharedRedisClient(url) : null;
      },
    },
    SharedRedisCloser,
  ],
  exports: [SHARED_REDIS],
})
export class SharedRedisModule {}

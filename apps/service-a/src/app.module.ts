import fastifyCookie from '@fastify/cookie';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ThrottlerModule } from '@nestjs/throttler';
import { downstreamClientProvider, SHARED_REDIS, SharedRedis, ServiceDefinition } from '@app/service-runtime';
import { RedisReplayStore } from 'nest-keycloak-s2s/redis';
import { AuthController } from './bff/auth.controller';
import { BackchannelLogout, LOGOUT_JTI_STORE, MemoryLogoutJtiStore } from './bff/backchannel-logout';
import { bffEnv, ServiceAEnv } from './bff/bff-env';
import { LOGIN_THROTTLER, LoginRateLimitGuard } from './bff/login-rate-limit.guard';
import { MemoryAttemptBook, PasswordAttemptLimiter, RedisAttemptBook } from './bff/password-attempts';
import { RedisThrottlerStorage } from './bff/redis-throttler.storage';
import { OidcClient } from './bff/oidc.client';
import { PageController } from './bff/page.controller';
import { PageRenderer } from './bff/page.renderer';
import { PasswordGrantEnabledGuard } from './bff/password-grant';
import { SameOriginGuard } from './bff/same-origin.guard';
import { SessionService } from './bff/session.service';
import { RedisSessionStore } from './bff/redis-session.store';
import { SessionCipher } from './bff/session-cipher';
import { MemorySessionStore, SESSION_STORE } from './bff/session.store';
import { ChainController } from './chain.controller';
import { ChainService, SERVICE_B } from './chain.service';

/** service-a's own part: the chain's entry point, the page and the login. */
@Module({
  imports: [
    // With Redis (REDIS_URL) one count for all replicas; without, each replica counts its own callers (a load
    // balancer in front would multiply the limit by the replicas).
    ThrottlerModule.forRootAsync({
      inject: [ConfigService, SHARED_REDIS],
      useFactory: (config: ConfigService<ServiceAEnv, true>, redis: SharedRedis | null) => ({
        throttlers: [
          { name: LOGIN_THROTTLER, ttl: 60_000, limit: config.get('LOGIN_RATE_LIMIT', { infer: true }) },
        ],
        setHeaders: false,
        storage: redis ? new RedisThrottlerStorage(redis) : undefined,
      }),
    }),
  ],
  controllers: [ChainController, PageController, AuthController],
  providers: [
    LoginRateLimitGuard,
    BackchannelLogout,
    {
      provide: LOGOUT_JTI_STORE,
      inject: [SHARED_REDIS],
      useFactory: (redis: SharedRedis | null) =>
        redis
          ? new RedisReplayStore(redis, { prefix: 's2s:service-a:logout-jti:' })
          : new MemoryLogoutJtiStore(),
    },
    {
      provide: PasswordAttemptLimiter,
      inject: [SHARED_REDIS],
      useFactory: (redis: SharedRedis | null) =>
        new PasswordAttemptLimiter(Date.now, redis ? new RedisAttemptBook(redis) : new MemoryAttemptBook()),
    },
    ChainService,
    downstreamClientProvider(SERVICE_B),
    OidcClient,
    SessionService,
    PageRenderer,
    SameOriginGuard,
    PasswordGrantEnabledGuard,
    {
      provide: SESSION_STORE,
      inject: [ConfigService, SHARED_REDIS],
      useFactory: (config: ConfigService<ServiceAEnv, true>, redis: SharedRedis | null) => {
        const idle = config.get('SESSION_IDLE_TIMEOUT', { infer: true });
        if (config.get('SESSION_STORE', { infer: true }) === 'memory') return new MemorySessionStore(idle);
        const cipher = SessionCipher.fromConfig(config.get('SESSION_ENCRYPTION_KEYS', { infer: true }) ?? '');
        // SESSION_STORE=redis requires REDIS_URL (bff-env), so the shared connection is there.
        if (!redis) throw new Error('SESSION_STORE=redis needs REDIS_URL');
        return new RedisSessionStore(redis, cipher, idle);
      },
    },
  ],
})
export class AppModule {}

/** service-a: the chain's entry point as itself, and a backend-for-frontend for users logged in with Keycloak. */
export const SERVICE_A: ServiceDefinition = {
  name: 'service-a',
  description:
    "The chain's entry point: calls service-b as itself (client credentials) or for the user logged in to its page.",
  module: AppModule,
  defaults: { PORT: '3000', SERVICE_B_URL: 'http://localhost:3001' },
  nextHop: { name: 'service-b', urlKey: 'SERVICE_B_URL' },
  env: bffEnv,
  // The session cookie is read and written through @fastify/cookie.
  setup: async (app) => {
    await app.register(fastifyCookie);
  },
};

import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { KeycloakAuthModule, type KeycloakAuthOptions } from 'nest-keycloak-s2s';
import { RedisCounterStore, RedisReplayStore } from 'nest-keycloak-s2s/redis';
import { ClientJwksController } from 'nest-keycloak-s2s/client-keys';
import { TerminusModule } from '@nestjs/terminus';
import { KeycloakHealthIndicator } from 'nest-keycloak-s2s/terminus';
import { LoggerModule } from 'nestjs-pino';
import { HealthController } from './health.controller';
import { loggerParams } from './logging';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsModule } from './metrics/metrics.module';
import { PrometheusAuthObserver } from './metrics/prometheus-auth.observer';
import { ServiceDefinition } from './service-definition';
import { ServiceEnv, serviceEnvValidator } from './service-env';
import { SERVICE_DEFINITION } from './service-runtime.constants';
import { ShutdownState } from './shutdown';
import { SHARED_REDIS, SharedRedis, SharedRedisModule } from './shared-redis';

/** Local development defaults; every one can be overridden by the environment. */
const DEV_DEFAULTS = { KEYCLOAK_URL: 'http://localhost:8080', KEYCLOAK_REALM: 's2s' };

/**
 * The service's configuration, validated by @nestjs/config with {@link serviceEnvValidator}. Called before Nest
 * starts: a bad environment rejects here, with the message naming each bad key, and nothing else has run.
 */
export function loadServiceConfig(definition: ServiceDefinition): Promise<DynamicModule> {
  return ConfigModule.forRoot({
    isGlobal: true,
    ignoreEnvFile: true,
    validate: serviceEnvValidator({
      ...definition,
      defaults: { ...DEV_DEFAULTS, CLIENT_ID: definition.name, ...definition.defaults },
    }),
  });
}

/**
 * With Redis, the state of the library's checks is every replica's: a DPoP proof is accepted once by all of them,
 * and a caller's introspection budget is one budget. Redis unreachable: those requests get 503 (fail closed).
 */
function sharedStores(service: string, redis: SharedRedis | null): Partial<KeycloakAuthOptions> {
  if (!redis) return {};
  return {
    dpop: { replayStore: new RedisReplayStore(redis, { prefix: `s2s:${service}:dpop-jti:` }) },
    introspection: {
      budgetStore: new RedisCounterStore(redis, { prefix: `s2s:${service}:introspection-budget:` }),
    },
  };
}

/** The root module of a service: its own module inside what every service has. */
@Module({})
class ServiceModule {}

/** The service's definition, for every module of the app (its own module's next-hop client included). */
@Global()
@Module({})
class ServiceDefinitionModule {}

/**
 * What every service starts with around its own module: JSON request logs, the validated configuration,
 * KeycloakAuthModule configured from it and reporting to Prometheus, `/health/*`, `/metrics` and the public keys
 * of its signed-JWT client authentication (`/.well-known/jwks.json`).
 */
export function serviceModule(definition: ServiceDefinition, config: DynamicModule): DynamicModule {
  return {
    module: ServiceModule,
    imports: [
      {
        module: ServiceDefinitionModule,
        providers: [{ provide: SERVICE_DEFINITION, useValue: definition }],
        exports: [SERVICE_DEFINITION],
      },
      LoggerModule.forRoot(loggerParams(definition.name)),
      config,
      MetricsModule,
      SharedRedisModule,
      KeycloakAuthModule.forRootAsync({
        imports: [MetricsModule],
        inject: [ConfigService, PrometheusAuthObserver, SHARED_REDIS],
        useFactory: (
          env: ConfigService<ServiceEnv, true>,
          observer: PrometheusAuthObserver,
          redis: SharedRedis | null,
        ) =>
          withAuthOverrides(
            { ...env.get('KEYCLOAK_AUTH', { infer: true }), observer },
            sharedStores(definition.name, redis),
            definition.auth,
          ),
      }),
      TerminusModule.forRoot({ errorLogStyle: 'json' }),
      definition.module,
    ],
    controllers: [HealthController, MetricsController, ClientJwksController],
    providers: [ShutdownState, KeycloakHealthIndicator],
  };
}

/** The option groups a definition's `auth` refines key by key (`clientAuth`, a union, is replaced whole). */
const GROUPS = ['verification', 'introspection', 'jwks', 'dpop', 'outgoingTokens', 'http'] as const;

/**
 * `base` with each of `overrides` on top, in order (the shared stores, then a definition's `auth`): their top-level
 * keys replace, their option groups merge key by key into what is below; an undefined one changes nothing.
 */
export function withAuthOverrides(
  base: KeycloakAuthOptions,
  ...overrides: (Partial<KeycloakAuthOptions> | undefined)[]
): KeycloakAuthOptions {
  return overrides.reduce<KeycloakAuthOptions>((below, layer = {}) => {
    const merged: KeycloakAuthOptions = { ...below, ...layer };
    for (const group of GROUPS) {
      if (below[group] !== undefined && layer[group] !== undefined)
        Object.assign(merged, { [group]: { ...below[group], ...layer[group] } });
    }
    return merged;
  }, base);
}

import { DynamicModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { KeycloakAuthModule } from '@app/keycloak-auth';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { loggerParams } from './logging';
import { keycloakOptionsFromEnv, ServiceEnv, serviceEnvValidator } from './service-env';

/** Local development defaults; every one can be overridden by the environment. */
const DEV_DEFAULTS = { KEYCLOAK_URL: 'http://localhost:8080', KEYCLOAK_REALM: 's2s' };

/**
 * The modules every service starts with: JSON request logs, validated configuration from the environment (with
 * this service's defaults) and KeycloakAuthModule configured from it.
 */
export function serviceImports(
  defaults: Partial<Record<keyof ServiceEnv, string>>,
  requiredUrls: (keyof ServiceEnv)[] = [],
): (DynamicModule | Promise<DynamicModule>)[] {
  return [
    LoggerModule.forRoot(loggerParams(defaults.CLIENT_ID ?? 'service')),
    ConfigModule.forRoot({
      isGlobal: true,
      ignoreEnvFile: true,
      validate: serviceEnvValidator({ ...DEV_DEFAULTS, ...defaults }, requiredUrls),
    }),
    KeycloakAuthModule.forRootAsync({ inject: [ConfigService], useFactory: keycloakOptionsFromEnv }),
    TerminusModule.forRoot({ errorLogStyle: 'json' }),
  ];
}

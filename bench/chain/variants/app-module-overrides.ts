import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { MODULE_METADATA } from '@nestjs/common/constants';
import { ConfigService } from '@nestjs/config';
import { KeycloakAuthModule, KeycloakAuthOptions } from '@app/keycloak-auth';
import { keycloakOptionsFromEnv, ServiceEnv } from '@app/service-runtime';

/** What a benchmark variant changes in a service's module; everything else is the service's own. */
export interface AppModuleOverrides {
  /** Merged into the KeycloakAuthModule options the service derives from its environment. */
  auth?: Partial<KeycloakAuthOptions>;
  /**
   * Providers added to the service's own module. Nest resolves a module's own providers before those of the
   * modules it imports, so these replace the library's exported providers of the same token for the service's
   * controllers, services and interceptors.
   */
  providers?: Provider[];
}

function isKeycloakAuthModule(entry: unknown): entry is DynamicModule {
  return (entry as DynamicModule | undefined)?.module === KeycloakAuthModule;
}

/**
 * A module with the same imports, controllers and providers as a service's `AppModule`, but `overrides` applied:
 * the service's real code, composed differently for a benchmark scenario. Started with the service's own
 * `runService`, so bootstrap, logging, validation and error handling are the production ones.
 */
export function withOverrides(appModule: Type<unknown>, overrides: AppModuleOverrides): Type<unknown> {
  const metadata = <T>(key: string): T[] => (Reflect.getMetadata(key, appModule) as T[] | undefined) ?? [];
  const imports = metadata<unknown>(MODULE_METADATA.IMPORTS).map((entry) =>
    isKeycloakAuthModule(entry) && overrides.auth
      ? KeycloakAuthModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService<ServiceEnv, true>) => ({
            ...keycloakOptionsFromEnv(config),
            ...overrides.auth,
          }),
        })
      : entry,
  );

  @Module({
    imports: imports as DynamicModule[],
    controllers: metadata(MODULE_METADATA.CONTROLLERS),
    providers: [...metadata<Provider>(MODULE_METADATA.PROVIDERS), ...(overrides.providers ?? [])],
    exports: metadata(MODULE_METADATA.EXPORTS),
  })
  class BenchAppModule {}
  return BenchAppModule;
}

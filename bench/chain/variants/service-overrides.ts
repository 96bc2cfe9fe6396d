import { Module, Provider } from '@nestjs/common';
import { MODULE_METADATA } from '@nestjs/common/constants';
import type { KeycloakAuthOptions } from 'nest-keycloak-s2s';
import type { ServiceDefinition } from '@app/service-runtime';

/** What a benchmark variant changes in a service; everything else is the service's own. */
export interface ServiceOverrides {
  /** KeycloakAuthModule options on top of the environment's (ServiceDefinition `auth`). */
  auth?: Partial<KeycloakAuthOptions>;
  /**
   * Providers added to the service's own module. Nest resolves a module's own providers before those of the
   * modules it imports, so these replace the library's exported providers of the same token for the service's
   * controllers, services and interceptors.
   */
  providers?: Provider[];
}

/**
 * The service's definition with `overrides` applied: its own module rebuilt from the same metadata (imports,
 * controllers, providers, exports) plus the extra providers. Started with the service's own `runService`, so
 * bootstrap, logging, metrics, validation and error handling are the production ones.
 */
export function withOverrides(definition: ServiceDefinition, overrides: ServiceOverrides): ServiceDefinition {
  const metadata = <T>(key: string): T[] =>
    (Reflect.getMetadata(key, definition.module) as T[] | undefined) ?? [];

  @Module({
    imports: metadata(MODULE_METADATA.IMPORTS),
    controllers: metadata(MODULE_METADATA.CONTROLLERS),
    providers: [...metadata<Provider>(MODULE_METADATA.PROVIDERS), ...(overrides.providers ?? [])],
    exports: metadata(MODULE_METADATA.EXPORTS),
  })
  class BenchServiceModule {}
  return { ...definition, module: BenchServiceModule, auth: { ...definition.auth, ...overrides.auth } };
}

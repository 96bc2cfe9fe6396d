import { ConfigurableModuleBuilder, Inject, Module, OnModuleInit, Optional } from '@nestjs/common';
import {
  ApplicationConfig,
  DiscoveryModule,
  DiscoveryService,
  MetadataScanner,
  Reflector,
} from '@nestjs/core';
import {
  KeycloakAuthzOptions,
  resolveKeycloakAuthzOptions,
  ResolvedKeycloakAuthzOptions,
} from '../config/authz.options';
import type { ResolvedKeycloakAuthOptions } from '../config/keycloak-auth.options';
import { KEYCLOAK_AUTHZ_OPTIONS } from '../core/authz.constants';
import type { Clock } from '../core/clock';
import { KEYCLOAK_AUTH_OPTIONS, KEYCLOAK_CLOCK } from '../core/constants';
import { KeycloakOAuthClient } from '../client/keycloak-oauth.client';
import { PermissionDecisions } from '../client/permission-decisions';
import { UmaDecisionClient } from '../client/uma-decision.client';
import { KeycloakAuthzGuard } from './keycloak-authz.guard';
import { assertPermissionParameters } from './permission-routes';

/** forRoot / forRootAsync for {@link KeycloakAuthzModule}. */
export const { ConfigurableModuleClass: AuthzModuleClass, MODULE_OPTIONS_TOKEN: AUTHZ_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<KeycloakAuthzOptions>()
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();

/**
 * Keycloak Authorization Services for `@RequirePermission` routes: decisions by Keycloak (UMA grant, this service
 * as the resource server), cached per token and permission, fail closed. Import it beside `KeycloakAuthModule`,
 * whose client, client authentication, clock and observer it uses. At startup it checks that every route parameter
 * a `@RequirePermission` resource names (`order:{id}`) is one its route has: the application does not start
 * otherwise, and the error names the controller, the handler and the parameter.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     KeycloakAuthModule.forRoot({ url, realm: 's2s', clientId: 'service-b', mode: 'jwt', audience: 'service-b' }),
 *     KeycloakAuthzModule.forRoot({ enforcement: 'enforcing', decisionCacheTtlSec: 30 }),
 *   ],
 * })
 * class AppModule {}
 * ```
 */
@Module({
  // DiscoveryModule: the routes' permissions are checked against their paths at startup.
  imports: [DiscoveryModule],
  providers: [
    {
      provide: KEYCLOAK_AUTHZ_OPTIONS,
      inject: [AUTHZ_MODULE_OPTIONS],
      useFactory: (options: KeycloakAuthzOptions) => resolveKeycloakAuthzOptions(options),
    },
    {
      provide: PermissionDecisions,
      inject: [KEYCLOAK_AUTHZ_OPTIONS, KEYCLOAK_AUTH_OPTIONS, KeycloakOAuthClient, KEYCLOAK_CLOCK],
      useFactory: (
        authz: ResolvedKeycloakAuthzOptions,
        auth: Pick<ResolvedKeycloakAuthOptions, 'home' | 'observer'>,
        oauth: KeycloakOAuthClient,
        clock: Clock,
      ) =>
        new PermissionDecisions(
          new UmaDecisionClient(oauth, authz.resourceServer ?? auth.home.clientId),
          clock,
          { ttlMs: authz.decisionCacheTtlMs, maxEntries: authz.decisionCacheMaxEntries },
          auth.observer,
        ),
    },
    KeycloakAuthzGuard,
  ],
  exports: [KEYCLOAK_AUTHZ_OPTIONS, PermissionDecisions, KeycloakAuthzGuard],
})
export class KeycloakAuthzModule extends AuthzModuleClass implements OnModuleInit {
  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
    @Inject(Reflector) private readonly reflector: Reflector,
    // Absent in an application context without HTTP: no global prefix.
    @Optional() private readonly config?: ApplicationConfig,
  ) {
    super();
  }

  /** Refuses to start when a `@RequirePermission` resource names a parameter its route does not have. */
  onModuleInit(): void {
    assertPermissionParameters(
      this.discovery,
      this.scanner,
      this.reflector,
      this.config?.getGlobalPrefix() ?? '',
    );
  }
}

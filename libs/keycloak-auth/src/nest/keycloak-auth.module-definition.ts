import { ConfigurableModuleBuilder } from '@nestjs/common';
import { KeycloakAuthOptions } from '../config/keycloak-auth.options';

/** forRoot / forRootAsync for {@link KeycloakAuthModule}, built the way @nestjs/config builds its own. */
export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<KeycloakAuthOptions>()
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();

import { DynamicModule, Module } from '@nestjs/common';
import { KeycloakAuthModule, KeycloakAuthOptions } from 'nest-keycloak-s2s';
import { OrdersController } from './orders.controller.js';

/** The app: the orders routes behind KeycloakAuthModule's global guard, configured with `auth`. */
@Module({})
export class AppModule {
  static register(auth: KeycloakAuthOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [KeycloakAuthModule.forRoot(auth)],
      controllers: [OrdersController],
    };
  }
}

import { DynamicModule, Module, Provider } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { KEEP_VERIFIED_TOKENS } from '../../verification';
import { HttpModule } from '@nestjs/axios';
import { KEYCLOAK_HTTP_TOKEN, KeycloakHttpModuleOptions } from './keycloak-http.options';
import { OutgoingTokenInterceptor } from './outgoing-token.interceptor';
import { SubjectTokenInterceptor } from './subject-token.context';

/**
 * @nestjs/axios' `HttpModule` whose `HttpService` sends a Keycloak token on every call: this service's own
 * (`token: 'client-credentials'`) or the current request's token exchanged for a target
 * (`token: { exchange: { audience, scope } }`), refreshed and retried once when the callee answers 401. Each
 * registration is its own axios instance. Needs a global `KeycloakAuthModule.forRoot({ isGlobal: true, ... })`.
 */
@Module({})
export class KeycloakHttpModule {
  /** An `HttpModule` with `options`' axios configuration and the interceptors for `options.token`. */
  static register(options: KeycloakHttpModuleOptions): DynamicModule {
    const { token, ...axiosOptions } = options;
    const http = HttpModule.register(axiosOptions);
    const providers: Provider[] = [
      { provide: KEYCLOAK_HTTP_TOKEN, useValue: token },
      OutgoingTokenInterceptor,
    ];
    // Only an exchange needs to know the request being handled.
    if (typeof token === 'object' && 'exchange' in token) {
      // Its interceptor reads the request's token on any route: the app's guard keeps it on every route.
      providers.push(
        { provide: APP_INTERCEPTOR, useClass: SubjectTokenInterceptor },
        { provide: KEEP_VERIFIED_TOKENS, useValue: true },
      );
    }
    return { module: KeycloakHttpModule, imports: [http], providers, exports: [http] };
  }
}

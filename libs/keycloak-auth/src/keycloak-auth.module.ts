import { Inject, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Clock, systemClock } from './clock';
import { TokenExchangeInterceptor } from './exchange/token-exchange.interceptor';
import { TokenExchangeService } from './exchange/token-exchange.service';
import { KeycloakAuthGuard } from './guards/keycloak-auth.guard';
import { KeycloakHttpClient } from './http/keycloak-http.client';
import { keycloakDispatcher } from './http/keycloak-tls';
import { KEYCLOAK_AUTH_OPTIONS, KEYCLOAK_CLOCK, TOKEN_VERIFIER } from './keycloak-auth.constants';
import { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN } from './keycloak-auth.module-definition';
import {
  KeycloakAuthOptions,
  optionsForRealm,
  resolveKeycloakAuthOptions,
  ResolvedKeycloakAuthOptions,
} from './keycloak-auth.options';
import { IntrospectionTokenVerifier } from './strategies/introspection-token.verifier';
import { JwtTokenVerifier } from './strategies/jwt-token.verifier';
import { MultiRealmTokenVerifier } from './strategies/multi-realm-token.verifier';
import { ClientCredentialsTokenProvider } from './tokens/client-credentials-token.provider';
import { TokenEndpointClient } from './tokens/token-endpoint.client';

const providers: Provider[] = [
  {
    provide: KEYCLOAK_AUTH_OPTIONS,
    inject: [MODULE_OPTIONS_TOKEN],
    useFactory: (options: KeycloakAuthOptions) => resolveKeycloakAuthOptions(options),
  },
  { provide: KEYCLOAK_CLOCK, useValue: systemClock },
  {
    provide: KeycloakHttpClient,
    inject: [KEYCLOAK_AUTH_OPTIONS],
    useFactory: (options: ResolvedKeycloakAuthOptions) =>
      new KeycloakHttpClient(options.httpTimeoutMs, keycloakDispatcher(options.ca)),
  },
  {
    provide: TokenEndpointClient,
    inject: [KEYCLOAK_AUTH_OPTIONS, KeycloakHttpClient],
    useFactory: (options: ResolvedKeycloakAuthOptions, http: KeycloakHttpClient) =>
      new TokenEndpointClient(options, http),
  },
  {
    provide: TOKEN_VERIFIER,
    inject: [KEYCLOAK_AUTH_OPTIONS, KEYCLOAK_CLOCK, KeycloakHttpClient],
    // One verifier per accepted realm, each with its own JWKS or introspection endpoint and client.
    useFactory: (options: ResolvedKeycloakAuthOptions, clock: Clock, http: KeycloakHttpClient) =>
      new MultiRealmTokenVerifier(
        new Map(
          options.realms.map((realm) => {
            const own = optionsForRealm(options, realm);
            const verifier =
              options.mode === 'jwt'
                ? new JwtTokenVerifier(own, clock)
                : new IntrospectionTokenVerifier(own, clock, http);
            return [realm.issuer, verifier];
          }),
        ),
      ),
  },
  KeycloakAuthGuard,
  ClientCredentialsTokenProvider,
  TokenExchangeService,
  TokenExchangeInterceptor,
  {
    provide: APP_GUARD,
    inject: [KEYCLOAK_AUTH_OPTIONS, KeycloakAuthGuard],
    // A disabled global guard still has to be a guard: one that lets everything through to the route's own guards.
    useFactory: (options: ResolvedKeycloakAuthOptions, guard: KeycloakAuthGuard) =>
      options.globalGuard ? guard : { canActivate: () => true },
  },
];

/**
 * Keycloak authentication for a Nest service: validates incoming bearer tokens (jwt or introspection), gives
 * handlers the caller as a {@link Principal}, and obtains outgoing tokens (client credentials, token exchange).
 */
@Module({
  providers,
  exports: [
    KEYCLOAK_AUTH_OPTIONS,
    KEYCLOAK_CLOCK,
    TOKEN_VERIFIER,
    KeycloakAuthGuard,
    ClientCredentialsTokenProvider,
    TokenExchangeService,
    TokenExchangeInterceptor,
  ],
})
export class KeycloakAuthModule extends ConfigurableModuleClass implements OnApplicationShutdown {
  constructor(@Inject(KeycloakHttpClient) private readonly http: KeycloakHttpClient) {
    super();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.http.close();
  }
}

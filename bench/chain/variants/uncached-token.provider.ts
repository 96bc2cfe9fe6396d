import { Inject, Injectable, OnApplicationShutdown, Provider } from '@nestjs/common';
import {
  ClientCredentialsTokenProvider,
  KEYCLOAK_AUTH_OPTIONS,
  ResolvedKeycloakAuthOptions,
} from 'nest-keycloak-s2s';
// The library's own OAuth client, so the token-per-request call goes over the same HTTP client.
import { KeycloakOAuthClient } from 'nest-keycloak-s2s/oauth';
import { ServiceOverrides } from './service-overrides';

/**
 * A new client-credentials token from Keycloak on every call, nothing cached. The library offers no such switch on purpose (no real service should fetch a token per
 * request), so the benchmark brings its own.
 */
@Injectable()
export class TokenPerRequestProvider implements OnApplicationShutdown {
  private readonly oauth: KeycloakOAuthClient;

  constructor(@Inject(KEYCLOAK_AUTH_OPTIONS) options: ResolvedKeycloakAuthOptions) {
    this.oauth = new KeycloakOAuthClient(options);
  }

  async getToken(): Promise<string> {
    return (await this.oauth.clientCredentials()).accessToken;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.oauth.close();
  }
}

/**
 * Scenario 2 at service-a: a fresh token per request. service-b and service-c run unchanged in
 * introspection mode with `INTROSPECTION_CACHE_TTL=0`; since every chain request then carries a token Keycloak
 * has just issued, service-b's exchange and service-c's introspection never find a cached answer either.
 */
export const UNCACHED_SERVICE_A: ServiceOverrides = {
  providers: [{ provide: ClientCredentialsTokenProvider, useClass: TokenPerRequestProvider } as Provider],
};

import {
  Inject,
  Logger,
  Module,
  OnApplicationShutdown,
  OnModuleInit,
  Optional,
  Provider,
} from '@nestjs/common';
import { APP_GUARD, DiscoveryModule, HttpAdapterHost } from '@nestjs/core';
import { declarePrincipalOnFastify } from './fastify-request-shape';
import { generateKeyPair, RemoteJWKSet } from 'jose';
import { Clock, systemClock } from '../core/clock';
import { DpopKeyPair, DpopProofMaker } from '../client/dpop-proof.maker';
import { DpopProofVerifier } from '../verification/dpop-proof.verifier';
import { TokenExchangeInterceptor } from './token-exchange.interceptor';
import { TokenExchangeService } from '../client/token-exchange.service';
import { KeycloakAuthGuard } from './keycloak-auth.guard';
import { KeycloakAuthenticator } from './keycloak-authenticator';
import { Dispatcher } from 'undici';
import { keycloakDispatcher } from '../transport/keycloak-tls';
import {
  DPOP_KEY,
  KEYCLOAK_AUTH_OPTIONS,
  KEYCLOAK_CLOCK,
  KEYCLOAK_DISPATCHER,
  REALM_KEYS,
  TOKEN_VERIFIER,
} from '../core/constants';
import { CLIENT_KEY_SET } from '../core/constants';
import { KeycloakReadiness } from './keycloak-readiness';
import { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN } from './keycloak-auth.module-definition';
import { KeycloakAuthOptions, ResolvedKeycloakAuthOptions } from '../config/keycloak-auth.options';
import { resolveKeycloakAuthOptions } from '../config/resolve-options';
import { IntrospectionTokenVerifier } from '../verification/introspection-token.verifier';
import { JwtTokenVerifier } from '../verification/jwt-token.verifier';
import { MultiRealmTokenVerifier } from '../verification/multi-realm-token.verifier';
import { clientAuthWith, KeycloakOAuthClient } from '../client/keycloak-oauth.client';
import { loadClientKeys } from '../client/load-client-keys';
import type { ClientKeySet } from '../keys/client-key-set';
import { realmJwks } from '../verification/realm-jwks';
import { ClientCredentialsTokenProvider } from '../client/client-credentials-token.provider';
import { ProtectedResourceMetadataController } from './resource-metadata.controller';
import { RouteScopes } from './route-scopes';

const providers: Provider[] = [
  {
    provide: KEYCLOAK_AUTH_OPTIONS,
    inject: [MODULE_OPTIONS_TOKEN],
    useFactory: (options: KeycloakAuthOptions) => resolveKeycloakAuthOptions(options),
  },
  {
    provide: CLIENT_KEY_SET,
    inject: [KEYCLOAK_AUTH_OPTIONS],
    // Reading (and with `generate` making) the key files is this provider's, not the options' resolver's.
    useFactory: (options: ResolvedKeycloakAuthOptions) => {
      const logger = new Logger('KeycloakAuth');
      return loadClientKeys(options, (message) => logger.log(message)) ?? null;
    },
  },
  { provide: KEYCLOAK_CLOCK, useValue: systemClock },
  {
    provide: KEYCLOAK_DISPATCHER,
    inject: [KEYCLOAK_AUTH_OPTIONS],
    useFactory: (options: ResolvedKeycloakAuthOptions) => keycloakDispatcher(options.http.ca),
  },
  // RFC 9449 §2: the proof key is the client's own (Ed25519 unless `dpop.keyAlgorithm` says otherwise), made at
  // start, kept in memory only.
  {
    provide: DPOP_KEY,
    inject: [KEYCLOAK_AUTH_OPTIONS],
    useFactory: (options: ResolvedKeycloakAuthOptions) => generateKeyPair(options.dpop.keyAlgorithm),
  },
  {
    provide: DpopProofMaker,
    inject: [DPOP_KEY, KEYCLOAK_CLOCK, KEYCLOAK_AUTH_OPTIONS],
    useFactory: (key: DpopKeyPair, clock: Clock, options: ResolvedKeycloakAuthOptions) =>
      new DpopProofMaker(key, clock, options.dpop.keyAlgorithm),
  },
  {
    provide: DpopProofVerifier,
    inject: [KEYCLOAK_AUTH_OPTIONS, KEYCLOAK_CLOCK],
    useFactory: (options: ResolvedKeycloakAuthOptions, clock: Clock) =>
      DpopProofVerifier.fromOptions(options, clock),
  },
  {
    provide: KeycloakOAuthClient,
    inject: [KEYCLOAK_AUTH_OPTIONS, KEYCLOAK_DISPATCHER, DPOP_KEY, CLIENT_KEY_SET],
    useFactory: (
      options: ResolvedKeycloakAuthOptions,
      dispatcher: Dispatcher,
      key: DpopKeyPair,
      keys: ClientKeySet | null,
    ) => new KeycloakOAuthClient(options, dispatcher, key, clientAuthWith(keys ?? undefined)),
  },
  {
    provide: REALM_KEYS,
    inject: [KEYCLOAK_AUTH_OPTIONS, KEYCLOAK_DISPATCHER],
    // Every call to Keycloak, the JWKS fetches included, goes over the one pool.
    useFactory: (options: ResolvedKeycloakAuthOptions, dispatcher: Dispatcher) =>
      new Map(options.realms.map((realm) => [realm.issuer, realmJwks(realm, options, dispatcher)])),
  },
  {
    provide: TOKEN_VERIFIER,
    inject: [KEYCLOAK_AUTH_OPTIONS, KEYCLOAK_CLOCK, KeycloakOAuthClient, REALM_KEYS],
    // One verifier per accepted realm, each with its own keys (and introspection endpoint and client).
    useFactory: (
      options: ResolvedKeycloakAuthOptions,
      clock: Clock,
      oauth: KeycloakOAuthClient,
      keys: ReadonlyMap<string, RemoteJWKSet>,
    ) =>
      new MultiRealmTokenVerifier(
        new Map(
          options.realms.map((realm) => {
            const realmKeys = keys.get(realm.issuer)!;
            const verifier =
              options.mode === 'jwt'
                ? new JwtTokenVerifier(realm, options, clock, realmKeys)
                : new IntrospectionTokenVerifier(realm, options, clock, oauth, realmKeys);
            return [realm.issuer, verifier];
          }),
        ),
      ),
  },
  {
    provide: KeycloakReadiness,
    inject: [KEYCLOAK_AUTH_OPTIONS, REALM_KEYS, KEYCLOAK_DISPATCHER],
    useFactory: (
      options: ResolvedKeycloakAuthOptions,
      keys: ReadonlyMap<string, RemoteJWKSet>,
      dispatcher: Dispatcher,
    ) => new KeycloakReadiness(options, keys, dispatcher),
  },
  KeycloakAuthenticator,
  KeycloakAuthGuard,
  {
    provide: ClientCredentialsTokenProvider,
    inject: [KEYCLOAK_AUTH_OPTIONS, KEYCLOAK_CLOCK, KeycloakOAuthClient],
    useFactory: (options: ResolvedKeycloakAuthOptions, clock: Clock, oauth: KeycloakOAuthClient) =>
      new ClientCredentialsTokenProvider(clock, oauth, options.outgoingTokens),
  },
  {
    provide: TokenExchangeService,
    inject: [KEYCLOAK_AUTH_OPTIONS, KEYCLOAK_CLOCK, KeycloakOAuthClient],
    useFactory: (options: ResolvedKeycloakAuthOptions, clock: Clock, oauth: KeycloakOAuthClient) =>
      new TokenExchangeService(options, clock, oauth),
  },
  TokenExchangeInterceptor,
  RouteScopes,
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
 * Serves the service's Protected Resource Metadata (RFC 9728) at `/.well-known/oauth-protected-resource`.
 */
@Module({
  // DiscoveryModule: the metadata's scopes are read from the application's routes.
  imports: [DiscoveryModule],
  controllers: [ProtectedResourceMetadataController],
  providers,
  // What applications inject (each named by a public entry); the verifiers' parts and the interceptors stay inside.
  exports: [
    KEYCLOAK_AUTH_OPTIONS,
    CLIENT_KEY_SET,
    KEYCLOAK_CLOCK,
    KEYCLOAK_DISPATCHER,
    REALM_KEYS,
    TOKEN_VERIFIER,
    DPOP_KEY,
    DpopProofMaker,
    KeycloakOAuthClient,
    KeycloakReadiness,
    KeycloakAuthenticator,
    KeycloakAuthGuard,
    ClientCredentialsTokenProvider,
    TokenExchangeService,
  ],
})
export class KeycloakAuthModule
  extends ConfigurableModuleClass
  implements OnModuleInit, OnApplicationShutdown
{
  constructor(
    @Inject(KEYCLOAK_DISPATCHER) private readonly dispatcher: Dispatcher,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {
    super();
  }

  /** On Fastify, gives every request its `principal` from the start (see {@link declarePrincipalOnFastify}). */
  onModuleInit(): void {
    declarePrincipalOnFastify(this.adapterHost);
  }

  /** Closes the pool of connections to Keycloak (the library's calls and the app's over the same dispatcher). */
  async onApplicationShutdown(): Promise<void> {
    await this.dispatcher.close();
  }
}

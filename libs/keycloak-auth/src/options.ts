// nest-keycloak-s2s/options: the options' pure resolver (what KeycloakAuthModule.forRoot runs), for checking a
// configuration before the app starts, and the resolved shape that `KEYCLOAK_AUTH_OPTIONS` injects.
export { KEYCLOAK_AUTH_OPTIONS } from './core/constants';
export { AUTH_MODES } from './core/auth-mode';
export { InvalidKeycloakAuthOptionsError } from './config/option-problem';
export { resolveKeycloakAuthOptions } from './config/resolve-options';
export { optionsFromKeycloakJson } from './config/keycloak-json';
export type { KeycloakJson } from './config/keycloak-json';
export type {
  ClientAuthOptions,
  ClientSecretAuthOptions,
  FederatedJwtAuthOptions,
  HttpOptions,
  IntrospectionOptions,
  JwksOptions,
  KeycloakAuthOptions,
  KeycloakRealmOptions,
  OutgoingTokenOptions,
  PrivateKeyJwtAuthOptions,
  RealmResolver,
  RealmResolverRequest,
  ResolvedClientAuth,
  ResolvedHttpOptions,
  ResolvedIntrospectionOptions,
  ResolvedJwksOptions,
  ResolvedKeycloakAuthOptions,
  ResolvedOutgoingTokenOptions,
  ResolvedRealm,
  ResolvedVerificationOptions,
  VerificationOptions,
} from './config/keycloak-auth.options';
export type { DpopOptions, ResolvedDpopOptions } from './config/dpop.options';
export type { AuthMode } from './core/auth-mode';
export type { OptionProblem } from './config/option-problem';
// What TokenExchangeService (the main entry) is constructed with, for an application that builds one itself.
export type { TokenExchangeSettings } from './client/token-exchange.service';
export { CLIENT_AUTH_METHODS } from './config/client-auth-method';
export type { ClientAuthMethod } from './config/client-auth-method';
export type { CounterStore, CounterWindow, ReplayStore } from './core/shared-state';

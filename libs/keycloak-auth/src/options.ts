// nest-keycloak-s2s/options: the options' pure resolver (what KeycloakAuthModule.forRoot runs), for checking a
// configuration before the app starts, and the resolved shape that `KEYCLOAK_AUTH_OPTIONS` injects.
export { KEYCLOAK_AUTH_OPTIONS } from './keycloak-auth.constants';
export {
  AUTH_MODES,
  InvalidKeycloakAuthOptionsError,
  resolveKeycloakAuthOptions,
} from './keycloak-auth.options';
export type {
  AuthMode,
  KeycloakAuthOptions,
  KeycloakRealmOptions,
  OptionProblem,
  ResolvedKeycloakAuthOptions,
  ResolvedRealm,
} from './keycloak-auth.options';
export { CLIENT_AUTH_METHODS } from './oauth/client-auth';
export type { ClientAuthMethod } from './oauth/client-auth';

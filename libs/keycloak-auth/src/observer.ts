// nest-keycloak-s2s/observer: what the library reports as it works, for an observer that feeds metrics.
export {
  AUTHZ_OUTCOMES,
  AUTHZ_SOURCES,
  CACHE_NAMES,
  IDP_CALL_OUTCOMES,
  IDP_ENDPOINTS,
  noopKeycloakAuthObserver,
} from './transport/keycloak-auth.observer';
export type {
  AuthOutcome,
  AuthzOutcome,
  AuthzSource,
  CacheName,
  CacheResult,
  IdpCallOutcome,
  IdpEndpoint,
  KeycloakAuthObserver,
} from './transport/keycloak-auth.observer';
export type { AuthMode } from './core/auth-mode';

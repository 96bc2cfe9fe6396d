// nest-keycloak-s2s/errors: the errors a request or an outgoing token can end in, each with a stable
// `code` (the list is KEYCLOAK_AUTH_ERROR_CODES). A bad configuration is InvalidKeycloakAuthOptionsError
// (nest-keycloak-s2s/options), Keycloak out of reach from your own calls KeycloakUnreachableError (/oauth).
export {
  KEYCLOAK_AUTH_ERROR_CODES,
  KeycloakAuthError,
  InvalidTokenError,
  InvalidDpopProofError,
  InsufficientScopeError,
  IdentityProviderUnavailableError,
  ClientConfigurationError,
  IntrospectionRateLimitedError,
  StoreUnavailableError,
  TokenEndpointError,
} from './core/errors';
export type { KeycloakAuthErrorCode } from './core/errors';
export type {
  InsufficientScopeCode,
  InvalidDpopProofCode,
  InvalidTokenCode,
  StoreUnavailableCode,
  TokenEndpointCode,
} from './core/error-codes';

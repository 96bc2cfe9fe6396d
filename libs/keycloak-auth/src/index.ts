// The public API of @app/keycloak-auth: services import from here and nowhere else.
export { KeycloakAuthModule } from './keycloak-auth.module';
export type {
  AuthMode,
  KeycloakAuthOptions,
  KeycloakRealmOptions,
  ResolvedKeycloakAuthOptions,
  ResolvedRealm,
} from './keycloak-auth.options';
export { resolveKeycloakAuthOptions } from './keycloak-auth.options';
export { KEYCLOAK_AUTH_OPTIONS, KEYCLOAK_CLOCK, TOKEN_VERIFIER } from './keycloak-auth.constants';
// What the guard reads, for tools that describe routes (the services' OpenAPI documents).
export {
  ALLOWED_CALLERS_KEY,
  IS_PUBLIC_KEY,
  REQUIRED_ROLES_KEY,
  REQUIRED_SCOPES_KEY,
} from './keycloak-auth.constants';
export type { Clock } from './clock';
export { systemClock } from './clock';
export type { Principal } from './principal';
export type { TokenVerifier } from './strategies/token-verifier';
export { JwtTokenVerifier } from './strategies/jwt-token.verifier';
export { IntrospectionTokenVerifier } from './strategies/introspection-token.verifier';
export { MultiRealmTokenVerifier } from './strategies/multi-realm-token.verifier';
export { KeycloakAuthGuard } from './guards/keycloak-auth.guard';
export { Public } from './decorators/public.decorator';
export { RequireScopes } from './decorators/require-scopes.decorator';
export { Roles } from './decorators/roles.decorator';
export { AllowedCallers } from './decorators/allowed-callers.decorator';
export { CurrentPrincipal } from './decorators/current-principal.decorator';
export { ClientCredentialsTokenProvider } from './tokens/client-credentials-token.provider';
export type { ClientCredentialsRequest } from './tokens/client-credentials-token.provider';
export { TokenExchangeService } from './exchange/token-exchange.service';
export type { ExchangeTarget } from './exchange/token-exchange.service';
export { TokenExchangeInterceptor } from './exchange/token-exchange.interceptor';
export { ExchangeToken, ExchangedToken } from './exchange/exchange-token.decorator';
export {
  KeycloakAuthError,
  InvalidTokenError,
  InsufficientScopeError,
  IdentityProviderUnavailableError,
  TokenEndpointError,
} from './errors';
export { KEYCLOAK_AUTH_ERROR_CODES } from './errors';
export type { KeycloakAuthErrorCode } from './errors';
export { keycloakDispatcher, pemCertificates } from './http/keycloak-tls';
export { keycloakFetch, KeycloakUnreachableError } from './http/keycloak-fetch';
export type { KeycloakFetch, KeycloakFetchSettings } from './http/keycloak-fetch';
export type { ClientAuthMethod } from './oauth/client-auth';
export {
  CACHE_NAMES,
  IDP_CALL_OUTCOMES,
  IDP_ENDPOINTS,
  noopKeycloakAuthObserver,
} from './observer/keycloak-auth.observer';
export type {
  AuthOutcome,
  CacheName,
  CacheResult,
  IdpCallOutcome,
  IdpEndpoint,
  KeycloakAuthObserver,
} from './observer/keycloak-auth.observer';

// The main entry of nest-keycloak-s2s: what an application writes. The observer vocabulary, the metadata keys the
// guard reads and the local identity provider for tests have entries of their own (see package.json "exports").
export { KeycloakAuthModule } from './keycloak-auth.module';
export type { KeycloakAuthOptions, KeycloakRealmOptions } from './keycloak-auth.options';
export type { Principal } from './principal';
export { Public } from './decorators/public.decorator';
export { RequireScopes } from './decorators/require-scopes.decorator';
export { Roles } from './decorators/roles.decorator';
export { AllowedCallers } from './decorators/allowed-callers.decorator';
export { CurrentPrincipal } from './decorators/current-principal.decorator';
export { ExchangeToken, ExchangedToken } from './exchange/exchange-token.decorator';
export { ClientCredentialsTokenProvider } from './tokens/client-credentials-token.provider';
export { TokenExchangeService } from './exchange/token-exchange.service';
export {
  KeycloakAuthError,
  InvalidTokenError,
  InsufficientScopeError,
  IdentityProviderUnavailableError,
  TokenEndpointError,
  KEYCLOAK_AUTH_ERROR_CODES,
} from './errors';
export type { KeycloakAuthErrorCode } from './errors';

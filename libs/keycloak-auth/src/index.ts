// The main entry of nest-keycloak-s2s: what an application writes. The errors, the options' resolver, the
// app's own calls to Keycloak, readiness, the observer vocabulary, the metadata keys the guard reads and the
// local identity provider for tests have entries of their own (see package.json "exports").
export { KeycloakAuthModule } from './nest/keycloak-auth.module';
export { KeycloakAuthGuard } from './nest/keycloak-auth.guard';
export { KEYCLOAK_AUTH_OPTIONS } from './core/constants';
export type {
  KeycloakAuthOptions,
  KeycloakRealmOptions,
  ResolvedKeycloakAuthOptions,
} from './config/keycloak-auth.options';
export type { Principal } from './core/principal';
export { Public } from './nest/public.decorator';
export { RequireScopes } from './nest/require-scopes.decorator';
export { Roles } from './nest/roles.decorator';
export { AllowedCallers } from './nest/allowed-callers.decorator';
export { CurrentPrincipal } from './nest/current-principal.decorator';
export { ExchangeToken, ExchangedToken } from './nest/exchange-token.decorator';
export { ClientCredentialsTokenProvider } from './client/client-credentials-token.provider';
export type { ClientCredentialsRequest } from './client/client-credentials-token.provider';
export { TokenExchangeService } from './client/token-exchange.service';
export type { ExchangeTarget } from './client/token-exchange.service';
export { KeycloakAuthError } from './core/errors';
export type { KeycloakAuthErrorCode } from './core/errors';

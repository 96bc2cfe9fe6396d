// The main entry of nest-keycloak-s2s: what an application writes. The errors, the options' resolver, the
// app's own calls to Keycloak, readiness, the observer vocabulary, the metadata keys the guard reads and the
// local identity provider for tests have entries of their own (see package.json "exports").
export { KeycloakAuthModule } from './keycloak-auth.module';
export { KeycloakAuthGuard } from './guards/keycloak-auth.guard';
export { KEYCLOAK_AUTH_OPTIONS } from './keycloak-auth.constants';
export type {
  KeycloakAuthOptions,
  KeycloakRealmOptions,
  ResolvedKeycloakAuthOptions,
} from './keycloak-auth.options';
export type { Principal } from './principal';
export { Public } from './decorators/public.decorator';
export { RequireScopes } from './decorators/require-scopes.decorator';
export { Roles } from './decorators/roles.decorator';
export { AllowedCallers } from './decorators/allowed-callers.decorator';
export { CurrentPrincipal } from './decorators/current-principal.decorator';
export { ExchangeToken, ExchangedToken } from './exchange/exchange-token.decorator';
export { ClientCredentialsTokenProvider } from './tokens/client-credentials-token.provider';
export type { ClientCredentialsRequest } from './tokens/client-credentials-token.provider';
export { TokenExchangeService } from './exchange/token-exchange.service';
export type { ExchangeTarget } from './exchange/token-exchange.service';
export { KeycloakAuthError } from './core/errors';
export type { KeycloakAuthErrorCode } from './core/errors';

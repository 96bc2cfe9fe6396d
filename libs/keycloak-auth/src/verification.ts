// nest-keycloak-s2s/verification: for a guard or strategy of your own — the guard's request authentication
// without its route rules, the verifier behind it (with its caches), and how such a guard hands the token it
// verified to token exchange.
export { TOKEN_VERIFIER } from './keycloak-auth.constants';
export type { TokenVerifier } from './strategies/token-verifier';
export { rememberBearerToken } from './guards/bearer-token';
export { KeycloakAuthenticator } from './guards/keycloak-authenticator';
export type { AuthenticatedRequest } from './guards/bearer-token';

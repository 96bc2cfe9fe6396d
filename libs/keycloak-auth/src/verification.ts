// nest-keycloak-s2s/verification: for a guard or strategy of your own — the guard's request authentication
// without its route rules, the verifier behind it (with its caches; also for a token verified in code), how such a
// guard hands the token it verified to token exchange, and `@AccessToken()` to read that token in a handler.
export { KEEP_VERIFIED_TOKENS, TOKEN_VERIFIER } from './core/constants';
export type { TokenVerifier } from './verification/token-verifier';
export { rememberBearerToken } from './nest/bearer-token';
export { AccessToken } from './nest/access-token.decorator';
export { KeycloakAuthenticator } from './nest/keycloak-authenticator';
export type { AuthenticatedRequest } from './nest/bearer-token';
export type { AuthenticationSettings } from './nest/authenticate-request';
export type { ChallengeSettings } from './nest/challenge-offer';

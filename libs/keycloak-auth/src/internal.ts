// nest-keycloak-s2s/internal: the parts this repository's own runtime, benchmarks and tests build on. Not in the
// package's "exports": reachable only through the repository's tsconfig alias, so nothing here is public API.
export {
  KEYCLOAK_AUTH_OPTIONS,
  KEYCLOAK_CLOCK,
  KEYCLOAK_DISPATCHER,
  REALM_KEYS,
  TOKEN_VERIFIER,
} from './keycloak-auth.constants';
export {
  AUTH_MODES,
  InvalidKeycloakAuthOptionsError,
  resolveKeycloakAuthOptions,
} from './keycloak-auth.options';
export type {
  AuthMode,
  OptionProblem,
  ResolvedKeycloakAuthOptions,
  ResolvedRealm,
} from './keycloak-auth.options';
export type { Clock } from './clock';
export { systemClock } from './clock';
export type { TokenVerifier } from './strategies/token-verifier';
export { IntrospectionTokenVerifier } from './strategies/introspection-token.verifier';
export { KeycloakAuthGuard } from './guards/keycloak-auth.guard';
export { DpopProofVerifier } from './dpop/dpop-proof.verifier';
export { rememberBearerToken } from './guards/bearer-token';
export { KeycloakOAuthClient } from './oauth/keycloak-oauth.client';
export { CLIENT_AUTH_METHODS, clientAuthOf } from './oauth/client-auth';
export type { ClientAuthMethod } from './oauth/client-auth';
export { keycloakDispatcher, pemCertificates } from './http/keycloak-tls';
export { keycloakFetch, KeycloakUnreachableError } from './http/keycloak-fetch';
export { KeycloakReadiness } from './health/keycloak-readiness';
export type { ReadinessVerdict } from './health/keycloak-readiness';

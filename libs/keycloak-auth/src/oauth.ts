// nest-keycloak-s2s/oauth: the app's own calls to Keycloak (a login client, a back-channel logout check) over
// what the library uses for its own — the connection pool, the OAuth client, the client authentication and
// each realm's signing keys.
export { KEYCLOAK_DISPATCHER, REALM_KEYS } from './keycloak-auth.constants';
export { KeycloakOAuthClient } from './oauth/keycloak-oauth.client';
export type { IssuedToken } from './oauth/keycloak-oauth.client';
export { clientAuthOf } from './oauth/client-auth';
export { privateKeyJwt } from './oauth/private-key-jwt';
export type { AssertionModifier } from './oauth/private-key-jwt';
export { keycloakFetch, KeycloakUnreachableError } from './http/keycloak-fetch';
export type { KeycloakFetch, KeycloakFetchSettings } from './http/keycloak-fetch';
export { keycloakDispatcher, pemCertificates } from './http/keycloak-tls';

// nest-keycloak-s2s/oauth: the app's own calls to Keycloak (a login client, a back-channel logout check) over
// what the library uses for its own — the connection pool, the OAuth client, the client authentication and
// each realm's signing keys.
export { KEYCLOAK_DISPATCHER, REALM_KEYS } from './core/constants';
export { KeycloakOAuthClient } from './client/keycloak-oauth.client';
export type { KeycloakOAuthSettings } from './client/keycloak-oauth.client';
export type { IssuedToken } from './client/keycloak-oauth.client';
export { clientAuthOf } from './client/client-auth';
export { privateKeyJwt } from './client/private-key-jwt';
export type { AssertionModifier } from './client/private-key-jwt';
export { keycloakFetch, KeycloakUnreachableError } from './transport/keycloak-fetch';
export type { KeycloakFetch, KeycloakFetchSettings } from './transport/keycloak-fetch';
export { keycloakDispatcher, pemCertificates } from './transport/keycloak-tls';

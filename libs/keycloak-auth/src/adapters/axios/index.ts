// The @nestjs/axios adapter: an HttpService that sends a Keycloak token.
export { KeycloakHttpModule } from './keycloak-http.module';
export type { KeycloakHttpModuleOptions, KeycloakHttpToken } from './keycloak-http.options';

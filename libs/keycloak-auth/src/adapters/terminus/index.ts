// The @nestjs/terminus adapter: the library's readiness as a health indicator.
export { KeycloakHealthIndicator } from './keycloak-health.indicator';

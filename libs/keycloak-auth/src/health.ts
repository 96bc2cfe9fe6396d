// nest-keycloak-s2s/health: whether this service can validate tokens now, for a readiness probe. The
// @nestjs/terminus health indicator over it is nest-keycloak-s2s/terminus.
export { KeycloakReadiness } from './nest/keycloak-readiness';
export type { ReadinessVerdict } from './nest/keycloak-readiness';

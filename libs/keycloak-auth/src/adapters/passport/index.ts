// The passport adapter: `AuthGuard('keycloak')` over the library's verifiers.
export { KeycloakPassportModule } from './keycloak-passport.module';
export { KeycloakStrategy, KEYCLOAK_STRATEGY } from './keycloak.strategy';
export { KeycloakPassportGuard } from './keycloak-passport.guard';

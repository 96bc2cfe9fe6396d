import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { KeycloakPassportGuard } from './keycloak-passport.guard';
import { KeycloakStrategy } from './keycloak.strategy';

/**
 * Registers {@link KeycloakStrategy} with passport, so `AuthGuard('keycloak')` and {@link KeycloakPassportGuard}
 * work. Reads `TOKEN_VERIFIER` and the options from a global `KeycloakAuthModule.forRoot({ isGlobal: true, ... })`;
 * set `globalGuard: false` there when passport guards the routes instead.
 */
@Module({
  imports: [PassportModule],
  providers: [KeycloakStrategy, KeycloakPassportGuard],
  exports: [PassportModule, KeycloakStrategy, KeycloakPassportGuard],
})
export class KeycloakPassportModule {}

import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { KeycloakReadiness } from '../../health';

/**
 * The library's readiness as a `@nestjs/terminus` health indicator: up while this service can validate tokens
 * (jwt mode: its realms' signing keys are held and fresh; introspection mode: Keycloak answers), down with the
 * reason otherwise. Add it to the providers of a module that imports `TerminusModule`; it needs a global
 * `KeycloakAuthModule.forRoot({ isGlobal: true, ... })`.
 *
 * @example
 * ```ts
 * @Get('ready')
 * @HealthCheck()
 * ready() {
 *   return this.health.check([() => this.keycloak.isHealthy()]);
 * }
 * ```
 */
@Injectable()
export class KeycloakHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly readiness: KeycloakReadiness,
  ) {}

  /** `{ [key]: { status: 'up' | 'down', message } }`, the message saying why (`signing keys cached`, …). */
  async isHealthy<Key extends string = 'keycloak'>(
    key: Key = 'keycloak' as Key,
  ): Promise<HealthIndicatorResult<Key>> {
    const check = this.indicators.check(key);
    const { ready, detail } = await this.readiness.check();
    return ready ? check.up({ message: detail }) : check.down({ message: detail });
  }
}

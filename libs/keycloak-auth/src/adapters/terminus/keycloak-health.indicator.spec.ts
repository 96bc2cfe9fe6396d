import { HealthIndicatorService } from '@nestjs/terminus';
import type { KeycloakReadiness } from '../../nest/keycloak-readiness';
import { KeycloakHealthIndicator } from './keycloak-health.indicator';

const readinessOf = (ready: boolean, detail: string) =>
  ({ check: () => Promise.resolve({ ready, detail }) }) as unknown as KeycloakReadiness;

describe('KeycloakHealthIndicator', () => {
  it("is up under 'keycloak' with the readiness' reason while tokens can be validated", async () => {
    const indicator = new KeycloakHealthIndicator(
      new HealthIndicatorService(),
      readinessOf(true, 'signing keys cached'),
    );
    expect(await indicator.isHealthy()).toEqual({
      keycloak: { status: 'up', message: 'signing keys cached' },
    });
  });

  it('is down under the key it is given, naming why', async () => {
    const indicator = new KeycloakHealthIndicator(
      new HealthIndicatorService(),
      readinessOf(false, 'answered 503'),
    );
    expect(await indicator.isHealthy('idp')).toEqual({ idp: { status: 'down', message: 'answered 503' } });
  });
});

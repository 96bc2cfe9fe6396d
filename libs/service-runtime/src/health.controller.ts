import { Controller, Get, Inject } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiExcludeController } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { KeycloakHealthIndicator } from 'nest-keycloak-s2s/terminus';
import { request } from 'undici';
import { Public } from 'nest-keycloak-s2s';
import type { ServiceDefinition } from './service-definition';
import type { ServiceEnv } from './service-env';
import { SERVICE_DEFINITION } from './service-runtime.constants';
import { ShutdownState } from './shutdown';

/** How long a readiness check waits for the next hop. */
const CHECK_TIMEOUT_MS = 2000;

/**
 * `GET /health/live`: the process serves HTTP (restart it if not). `GET /health/ready` (@nestjs/terminus): the
 * service can validate tokens — by the library's {@link KeycloakHealthIndicator}, which fits the mode (jwt: its realm keys
 * are cached and within their max age, so a Keycloak blip does not take it out of rotation; introspection:
 * Keycloak answers) — and the next hop is live: 200 when both are, 503 with the failing part named otherwise.
 * From SIGTERM on it answers 503 `shutdown: draining` without checking anything else.
 */
@Public()
@ApiExcludeController()
@Controller('health')
export class HealthController {
  private readonly nextHop?: { name: string; url: string };

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly keycloak: KeycloakHealthIndicator,
    private readonly shutdown: ShutdownState,
    @Inject(SERVICE_DEFINITION) definition: ServiceDefinition,
    config: ConfigService<ServiceEnv, true>,
  ) {
    const url = config.get('NEXT_HOP_URL', { infer: true });
    if (definition.nextHop && url) this.nextHop = { name: definition.nextHop.name, url };
  }

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    const signal = this.shutdown.draining;
    if (signal)
      return this.health.check([
        () => this.indicators.check('shutdown').down({ message: `draining (${signal})` }),
      ]);
    const checks: (() => Promise<HealthIndicatorResult>)[] = [() => this.keycloak.isHealthy()];
    const hop = this.nextHop;
    if (hop) checks.push(() => this.probe(hop.name, `${hop.url}/health/live`));
    return this.health.check(checks);
  }

  private async probe<Key extends string>(key: Key, url: string) {
    const check = this.indicators.check(key);
    try {
      const res = await request(url, { signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
      await res.body.dump();
      return res.statusCode === 200 ? check.up() : check.down({ message: `answered ${res.statusCode}` });
    } catch (error) {
      const e = error as { name?: string; code?: string; cause?: { code?: string } };
      const reason =
        e.name === 'TimeoutError'
          ? `no answer within ${CHECK_TIMEOUT_MS} ms`
          : (e.code ?? e.cause?.code ?? 'unreachable');
      return check.down({ message: reason });
    }
  }
}

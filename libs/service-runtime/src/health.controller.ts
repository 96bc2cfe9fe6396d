import { Controller, Get, Inject } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Dispatcher, request } from 'undici';
import { Public } from 'nest-keycloak-s2s';
import {
  KEYCLOAK_AUTH_OPTIONS,
  KEYCLOAK_DISPATCHER,
  ResolvedKeycloakAuthOptions,
} from 'nest-keycloak-s2s/internal';
import type { ServiceDefinition } from './service-definition';
import type { ServiceEnv } from './service-env';
import { SERVICE_DEFINITION } from './service-runtime.constants';
import { ShutdownState } from './shutdown';

/** How long a readiness check waits for Keycloak or the next hop. */
const CHECK_TIMEOUT_MS = 2000;

/**
 * `GET /health/live`: the process serves HTTP (restart it if not). `GET /health/ready` (@nestjs/terminus): the
 * realm answers (its JWKS endpoint: keys for jwt mode, and Keycloak up for introspection and exchange) and the
 * next hop is live — 200 when both are, 503 with the failing part named otherwise (take it out of rotation).
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
    @Inject(KEYCLOAK_AUTH_OPTIONS) private readonly options: ResolvedKeycloakAuthOptions,
    private readonly shutdown: ShutdownState,
    /** Keycloak is reached over the library's own pool (its CA if one is set); the next hop with Node's defaults. */
    @Inject(KEYCLOAK_DISPATCHER) private readonly keycloak: Dispatcher,
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
    const checks = [() => this.probe('keycloak', this.options.endpoints.jwks, this.keycloak)];
    const hop = this.nextHop;
    if (hop) checks.push(() => this.probe(hop.name, `${hop.url}/health/live`));
    return this.health.check(checks);
  }

  private async probe<Key extends string>(key: Key, url: string, dispatcher?: Dispatcher) {
    const check = this.indicators.check(key);
    try {
      const res = await request(url, {
        dispatcher,
        signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
      });
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

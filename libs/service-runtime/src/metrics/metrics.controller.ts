import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Registry } from 'prom-client';
import { Public } from 'nest-keycloak-s2s';

/**
 * `GET /metrics`: Prometheus' text format, without a token — it is for the scraper. In production it sits on an
 * internal port or behind the network policy, never on the public ingress.
 */
@Public()
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly registry: Registry) {}

  @Get()
  @Header('content-type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('cache-control', 'no-store')
  async metrics(): Promise<string> {
    return this.registry.metrics();
  }
}

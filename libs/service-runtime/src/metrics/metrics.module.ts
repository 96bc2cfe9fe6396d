import { Module } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { HttpMetrics } from './http-metrics';
import { PrometheusAuthObserver } from './prometheus-auth.observer';

/**
 * The service's Prometheus registry (one per application, not prom-client's global one, so two apps in one
 * process do not mix), with Node's process metrics, the HTTP request metrics and the library's observer.
 */
@Module({
  providers: [
    {
      provide: Registry,
      useFactory: () => {
        const registry = new Registry();
        collectDefaultMetrics({ register: registry });
        return registry;
      },
    },
    HttpMetrics,
    PrometheusAuthObserver,
  ],
  exports: [Registry, HttpMetrics, PrometheusAuthObserver],
})
export class MetricsModule {}

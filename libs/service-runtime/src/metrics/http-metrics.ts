import { Injectable } from '@nestjs/common';
import { Histogram, Registry } from 'prom-client';

/** Seconds: the chain answers in milliseconds when cached, up to the next hop's 5-s timeout. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * `http_request_duration_seconds{method, route, status}`: every answered request (its `_count` is the number of
 * requests). `route` is the route's template as registered (`/api/process`), never the URL a client sent, and
 * `unmatched` for a request no route took (a 404), so a scan of random paths adds no series.
 */
@Injectable()
export class HttpMetrics {
  private readonly duration: Histogram<'method' | 'route' | 'status'>;

  constructor(registry: Registry) {
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Requests served, by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: HTTP_BUCKETS,
      registers: [registry],
    });
  }

  /** One answered request; `route` is undefined when no route matched. */
  observe(method: string, route: string | undefined, status: number, durationMs: number): void {
    this.duration.observe({ method, route: route ?? 'unmatched', status: String(status) }, durationMs / 1000);
  }
}

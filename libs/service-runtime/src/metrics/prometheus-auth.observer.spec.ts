import { Registry } from 'prom-client';
import { AuthOutcome, CacheName, IdpEndpoint } from 'nest-keycloak-s2s/observer';
import { HttpMetrics } from './http-metrics';
import { PrometheusAuthObserver } from './prometheus-auth.observer';

/** The registry's samples as `name{labels} value` lines, without comments. */
async function samples(registry: Registry): Promise<string[]> {
  return (await registry.metrics()).split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

describe('PrometheusAuthObserver', () => {
  let registry: Registry;
  let observer: PrometheusAuthObserver;

  beforeEach(() => {
    registry = new Registry();
    observer = new PrometheusAuthObserver(registry);
  });

  it('counts verdicts by mode and outcome', async () => {
    observer.authenticated({ mode: 'jwt', outcome: 'accepted' });
    observer.authenticated({ mode: 'jwt', outcome: 'accepted' });
    observer.authenticated({ mode: 'jwt', outcome: 'token_expired' });
    expect(await samples(registry)).toEqual([
      'keycloak_auth_requests_total{mode="jwt",outcome="accepted"} 2',
      'keycloak_auth_requests_total{mode="jwt",outcome="token_expired"} 1',
    ]);
  });

  it('times calls to Keycloak in seconds by endpoint and outcome', async () => {
    observer.idpCall({ endpoint: 'introspection', outcome: 'ok', durationMs: 20 });
    const lines = await samples(registry);
    expect(lines).toContain(
      'keycloak_idp_request_duration_seconds_bucket{le="0.025",endpoint="introspection",outcome="ok"} 1',
    );
    expect(lines).toContain(
      'keycloak_idp_request_duration_seconds_bucket{le="0.01",endpoint="introspection",outcome="ok"} 0',
    );
    expect(lines).toContain(
      'keycloak_idp_request_duration_seconds_sum{endpoint="introspection",outcome="ok"} 0.02',
    );
  });

  it('counts cache lookups by cache and result', async () => {
    observer.cacheLookup({ cache: 'token_exchange', result: 'miss' });
    observer.cacheLookup({ cache: 'token_exchange', result: 'hit' });
    expect(await samples(registry)).toEqual([
      'keycloak_cache_lookups_total{cache="token_exchange",result="miss"} 1',
      'keycloak_cache_lookups_total{cache="token_exchange",result="hit"} 1',
    ]);
  });

  it('counts permission decisions by outcome and source', async () => {
    observer.authorized({ outcome: 'allowed', source: 'keycloak' });
    observer.authorized({ outcome: 'allowed', source: 'cache' });
    observer.authorized({ outcome: 'allowed', source: 'cache' });
    expect(await samples(registry)).toEqual([
      'keycloak_authz_decisions_total{outcome="allowed",source="keycloak"} 1',
      'keycloak_authz_decisions_total{outcome="allowed",source="cache"} 2',
    ]);
  });

  it('counts a value outside the fixed sets as other: no caller can add series', async () => {
    observer.authenticated({ mode: 'x', outcome: 'eyJhbGciOi.token' as AuthOutcome });
    observer.idpCall({ endpoint: '/realms/s2s' as IdpEndpoint, outcome: 'ok', durationMs: 1 });
    observer.cacheLookup({ cache: 'user-42' as CacheName, result: 'hit' });
    const text = (await samples(registry)).join('\n');
    expect(text).toContain('keycloak_auth_requests_total{mode="other",outcome="other"} 1');
    expect(text).toContain('keycloak_idp_request_duration_seconds_count{endpoint="other",outcome="ok"} 1');
    expect(text).toContain('keycloak_cache_lookups_total{cache="other",result="hit"} 1');
    expect(text).not.toMatch(/eyJ|realms|user-42/);
  });
});

describe('HttpMetrics', () => {
  it('labels a request with its route template, and a request no route took as unmatched', async () => {
    const registry = new Registry();
    const http = new HttpMetrics(registry);
    http.observe('POST', '/api/process', 200, 12);
    http.observe('GET', undefined, 404, 1);
    const counts = (await samples(registry)).filter((l) =>
      l.startsWith('http_request_duration_seconds_count'),
    );
    expect(counts).toEqual([
      'http_request_duration_seconds_count{method="POST",route="/api/process",status="200"} 1',
      'http_request_duration_seconds_count{method="GET",route="unmatched",status="404"} 1',
    ]);
  });
});

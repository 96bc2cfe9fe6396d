import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry } from 'prom-client';
import { KEYCLOAK_AUTH_ERROR_CODES } from 'nest-keycloak-s2s/errors';
import {
  AuthOutcome,
  AUTHZ_OUTCOMES,
  AUTHZ_SOURCES,
  AuthzOutcome,
  AuthzSource,
  CACHE_NAMES,
  CacheName,
  CacheResult,
  IDP_CALL_OUTCOMES,
  IDP_ENDPOINTS,
  IdpCallOutcome,
  IdpEndpoint,
  KeycloakAuthObserver,
} from 'nest-keycloak-s2s/observer';
import { oneOf } from './label-values';

const AUTH_OUTCOMES = ['accepted', ...KEYCLOAK_AUTH_ERROR_CODES] as const;
const MODES = ['jwt', 'introspection'] as const;

/** Seconds: from a cached-connection introspection (a few ms) to the library's 5-s timeout. */
const IDP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The library's {@link KeycloakAuthObserver} on prom-client: what the guard decided and why, how long Keycloak
 * took per endpoint, and how often each cache spared a call. Every label value is checked against its fixed set
 * (anything else is counted as `other`), so no caller can grow the number of series.
 */
@Injectable()
export class PrometheusAuthObserver implements KeycloakAuthObserver {
  private readonly decisions: Counter<'mode' | 'outcome'>;
  private readonly idpDuration: Histogram<'endpoint' | 'outcome'>;
  private readonly lookups: Counter<'cache' | 'result'>;
  private readonly permissions: Counter<'outcome' | 'source'>;

  constructor(registry: Registry) {
    this.decisions = new Counter({
      name: 'keycloak_auth_requests_total',
      help: "Requests the guard decided on, by validation mode and outcome: accepted, or the refusal's error code",
      labelNames: ['mode', 'outcome'],
      registers: [registry],
    });
    this.idpDuration = new Histogram({
      name: 'keycloak_idp_request_duration_seconds',
      help: 'Calls to Keycloak by endpoint (token, introspection, token_exchange, jwks) and outcome (ok, error, unavailable)',
      labelNames: ['endpoint', 'outcome'],
      buckets: IDP_BUCKETS,
      registers: [registry],
    });
    this.lookups = new Counter({
      name: 'keycloak_cache_lookups_total',
      help: 'Lookups in the token caches (client_credentials, introspection, token_exchange, verified_jwt) by result (hit, miss)',
      labelNames: ['cache', 'result'],
      registers: [registry],
    });
    this.permissions = new Counter({
      name: 'keycloak_authz_decisions_total',
      help: 'Permissions decided for @RequirePermission routes, by outcome (allowed, denied, unknown_resource, unavailable) and source (claim, cache, keycloak)',
      labelNames: ['outcome', 'source'],
      registers: [registry],
    });
  }

  authenticated(event: { mode: string; outcome: AuthOutcome }): void {
    this.decisions.inc({ mode: oneOf(event.mode, MODES), outcome: oneOf(event.outcome, AUTH_OUTCOMES) });
  }

  idpCall(event: { endpoint: IdpEndpoint; outcome: IdpCallOutcome; durationMs: number }): void {
    this.idpDuration.observe(
      { endpoint: oneOf(event.endpoint, IDP_ENDPOINTS), outcome: oneOf(event.outcome, IDP_CALL_OUTCOMES) },
      event.durationMs / 1000,
    );
  }

  authorized(event: { outcome: AuthzOutcome; source: AuthzSource }): void {
    this.permissions.inc({
      outcome: oneOf(event.outcome, AUTHZ_OUTCOMES),
      source: oneOf(event.source, AUTHZ_SOURCES),
    });
  }

  cacheLookup(event: { cache: CacheName; result: CacheResult }): void {
    this.lookups.inc({
      cache: oneOf(event.cache, CACHE_NAMES),
      result: oneOf(event.result, ['hit', 'miss']),
    });
  }
}

import type { KeycloakAuthErrorCode } from '../core/errors';
import type { AuthMode } from '../core/auth-mode';

/** The guard's verdict on one request: accepted, or the stable code of its refusal. */
export type AuthOutcome = 'accepted' | KeycloakAuthErrorCode;

/** The Keycloak endpoints the library calls. */
export const IDP_ENDPOINTS = ['token', 'introspection', 'token_exchange', 'jwks', 'authorization'] as const;
/**
 * One of {@link IDP_ENDPOINTS}: `token` is the client-credentials grant, `token_exchange` RFC 8693,
 * `authorization` the UMA grant that asks Keycloak's Authorization Services for a decision.
 */
export type IdpEndpoint = (typeof IDP_ENDPOINTS)[number];

/**
 * How a call to Keycloak ended: `ok` it answered as asked (an inactive token included), `error` it answered with an
 * OAuth or HTTP 4xx error, `unavailable` it did not answer usefully (refused, reset, timed out, 5xx, not JSON).
 */
export const IDP_CALL_OUTCOMES = ['ok', 'error', 'unavailable'] as const;
/** One of {@link IDP_CALL_OUTCOMES}. */
export type IdpCallOutcome = (typeof IDP_CALL_OUTCOMES)[number];

/** The library's caches: outgoing tokens, introspection answers, exchanged tokens, verified JWTs (jwt mode). */
export const CACHE_NAMES = [
  'client_credentials',
  'introspection',
  'token_exchange',
  'verified_jwt',
  'dpop_jti',
  'authorization',
] as const;
/** One of {@link CACHE_NAMES}. */
export type CacheName = (typeof CACHE_NAMES)[number];
/** A lookup served from the cache (or joined a load under way), or one that had to ask Keycloak. */
export type CacheResult = 'hit' | 'miss';

/**
 * A permission check's outcome: `allowed`, `denied`, `unknown_resource` (Keycloak knows no such resource or scope;
 * let through only in permissive mode) or `unavailable` (Keycloak did not answer usefully: refused, fail closed).
 */
export const AUTHZ_OUTCOMES = ['allowed', 'denied', 'unknown_resource', 'unavailable'] as const;
/** One of {@link AUTHZ_OUTCOMES}. */
export type AuthzOutcome = (typeof AUTHZ_OUTCOMES)[number];
/** Where a permission check's answer came from: the token's own RPT claim, the decision cache, or Keycloak. */
export const AUTHZ_SOURCES = ['claim', 'cache', 'keycloak'] as const;
/** One of {@link AUTHZ_SOURCES}. */
export type AuthzSource = (typeof AUTHZ_SOURCES)[number];

/**
 * What the library reports as it works, for metrics: every label is from a fixed set (no token, URL or user in
 * any event), so a metrics backend stays bounded. Pass an implementation as the module option `observer`; the
 * default does nothing, and the library needs no metrics package. Its methods run on the request path: keep them
 * quick, and never throw (an exception there fails the request).
 */
export interface KeycloakAuthObserver {
  /** The guard decided on a request (routes marked `@Public()` are not reported). */
  authenticated(event: { mode: AuthMode; outcome: AuthOutcome }): void;
  /** A call to Keycloak ended, after `durationMs` milliseconds. */
  idpCall(event: { endpoint: IdpEndpoint; outcome: IdpCallOutcome; durationMs: number }): void;
  /** One lookup in one of the caches. */
  cacheLookup(event: { cache: CacheName; result: CacheResult }): void;
  /**
   * One permission of a route was decided (`nest-keycloak-s2s/authz`). Optional: observers written before it
   * need no change.
   */
  authorized?(event: { outcome: AuthzOutcome; source: AuthzSource }): void;
}

/** The default observer: reports nothing. */
export const noopKeycloakAuthObserver: KeycloakAuthObserver = {
  authenticated: () => undefined,
  idpCall: () => undefined,
  cacheLookup: () => undefined,
};

/** True when `value` has the three methods of a {@link KeycloakAuthObserver}. */
export function isKeycloakAuthObserver(value: unknown): value is KeycloakAuthObserver {
  const o = value as Partial<Record<keyof KeycloakAuthObserver, unknown>> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.authenticated === 'function' &&
    typeof o.idpCall === 'function' &&
    typeof o.cacheLookup === 'function'
  );
}

/** Runs `call` and reports its duration and outcome as one call to `endpoint`; the result or error passes through. */
export async function observeIdpCall<T>(
  observer: KeycloakAuthObserver,
  endpoint: IdpEndpoint,
  call: () => Promise<T>,
  outcomeOf: (result: T) => IdpCallOutcome,
): Promise<T> {
  const started = performance.now();
  let outcome: IdpCallOutcome = 'unavailable';
  try {
    const result = await call();
    outcome = outcomeOf(result);
    return result;
  } finally {
    observer.idpCall({ endpoint, outcome, durationMs: performance.now() - started });
  }
}

/** The `onLookup` of an {@link ExpiringCache} that reports each lookup in `cache` to `observer`. */
export function reportLookups(
  observer: KeycloakAuthObserver,
  cache: CacheName,
): (result: CacheResult) => void {
  return (result) => observer.cacheLookup({ cache, result });
}

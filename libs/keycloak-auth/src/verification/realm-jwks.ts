import { createRemoteJWKSet, customFetch, RemoteJWKSet } from 'jose';
import { Dispatcher } from 'undici';
import { keycloakFetch } from '../transport/keycloak-fetch';
import { keycloakDispatcher } from '../transport/keycloak-tls';
import { ResolvedKeycloakAuthOptions } from '../config/keycloak-auth.options';

/**
 * A realm's signing keys, fetched by jose through the library's fetch (the pool and its CA, the timeout, each
 * fetch reported as a `jwks` call) and kept as configured: a token with an unknown `kid` refetches at most once
 * per `jwksCooldownMs`, and the set is fetched again after `jwksCacheMaxAgeMs`.
 */
export function realmJwks(
  options: ResolvedKeycloakAuthOptions,
  dispatcher: Dispatcher = keycloakDispatcher(options.ca),
): RemoteJWKSet {
  const timeoutMs = Math.ceil(options.httpTimeoutMs);
  return createRemoteJWKSet(new URL(options.endpoints.jwks), {
    cooldownDuration: options.jwksCooldownMs,
    cacheMaxAge: options.jwksCacheMaxAgeMs,
    timeoutDuration: timeoutMs,
    [customFetch]: keycloakFetch({
      dispatcher,
      timeoutMs,
      report: { observer: options.observer, endpoint: 'jwks' },
    }),
  });
}

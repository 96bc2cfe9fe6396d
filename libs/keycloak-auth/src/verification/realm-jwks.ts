import { createRemoteJWKSet, customFetch, RemoteJWKSet } from 'jose';
import { Dispatcher } from 'undici';
import { keycloakFetch } from '../transport/keycloak-fetch';
import { keycloakDispatcher } from '../transport/keycloak-tls';
import { ResolvedKeycloakAuthOptions, ResolvedRealm } from '../config/keycloak-auth.options';

/** What a realm's key set needs of the resolved options: the fetch limits, the calls' settings, the observer. */
export type JwksSettings = Pick<ResolvedKeycloakAuthOptions, 'jwks' | 'http' | 'observer'>;

/**
 * A realm's signing keys, fetched by jose through the library's fetch (the pool and its CA, the timeout, each
 * fetch reported as a `jwks` call) and kept as configured: a token with an unknown `kid` refetches at most once
 * per `jwks.cooldownMs`, and the set is fetched again after `jwks.cacheMaxAgeMs`.
 */
export function realmJwks(
  realm: Pick<ResolvedRealm, 'endpoints'>,
  options: JwksSettings,
  dispatcher: Dispatcher = keycloakDispatcher(options.http.ca),
): RemoteJWKSet {
  const timeoutMs = Math.ceil(options.http.timeoutMs);
  return createRemoteJWKSet(new URL(realm.endpoints.jwks), {
    cooldownDuration: options.jwks.cooldownMs,
    cacheMaxAge: options.jwks.cacheMaxAgeMs,
    timeoutDuration: timeoutMs,
    [customFetch]: keycloakFetch({
      dispatcher,
      timeoutMs,
      report: { observer: options.observer, endpoint: 'jwks' },
    }),
  });
}

import type { AuthMode } from '../core/auth-mode';
import type { KeycloakAuthObserver } from '../transport/keycloak-auth.observer';
import type { ClientKeySet, ClientKeysOptions } from '../keys/client-key-set';
import type { ClientAuthMethod } from './client-auth-method';
import type { DpopOptions, ResolvedDpopOptions } from './dpop.options';
import type { CounterStore } from '../core/shared-state';

/** Another realm whose tokens a service accepts besides its home realm (option `additionalRealms`). */
export interface KeycloakRealmOptions {
  /** Realm name. */
  realm: string;
  /** Where this service reaches that realm's Keycloak. Default: the top-level `url`. */
  url?: string;
  /** The `iss` its tokens carry. Default `<url>/realms/<realm>`. */
  issuer?: string;
  /** The client this service introspects and exchanges as in that realm. Default: the top-level `clientId`. */
  clientId?: string;
  /** That client's secret. Default: the top-level `clientSecret`. */
  clientSecret?: string;
}

/** Options of {@link KeycloakAuthModule}; validated at start by {@link resolveKeycloakAuthOptions}. */
export interface KeycloakAuthOptions extends DpopOptions {
  /** Where this service reaches Keycloak, e.g. `http://keycloak:8080` inside compose. */
  url: string;
  /** Realm name, e.g. `s2s`. */
  realm: string;
  /** The `iss` tokens carry; defaults to `<url>/realms/<realm>`. Differs from `url` when browser and service see Keycloak under different hosts. */
  issuer?: string;
  /** This service's client id (introspection, client credentials and token exchange authenticate as it). */
  clientId: string;
  /** This service's client secret (`client_secret_basic`); required then for introspection, client credentials and token exchange. */
  clientSecret?: string;
  /**
   * How this service authenticates to Keycloak's token and introspection endpoints, in every realm. Default
   * `client_secret_basic`: `clientSecret` in HTTP Basic (RFC 6749 §2.3.1). `private_key_jwt`: a JWT signed with
   * a key of `clientKeys` (RFC 7523 §2.2), no shared secret; the client's public keys are what
   * `nest-keycloak-s2s/client-keys` publishes, read by Keycloak from the client's JWKS URL. `federated_jwt`: the
   * token in `clientAssertionFile` as RFC 7523 client assertion (Keycloak's "Signed JWT – Federated"), no secret.
   */
  clientAuthMethod?: ClientAuthMethod;
  /**
   * The key pairs `private_key_jwt` signs with, required with it: a folder of key files ({@link ClientKeysOptions};
   * every replica reads the same one) or a loaded {@link ClientKeySet}.
   */
  clientKeys?: ClientKeysOptions | ClientKeySet;
  /**
   * With `federated_jwt`: the file holding a token another issuer gave this workload (e.g. a Kubernetes projected
   * service-account token whose audience is the realm's issuer), read again at every call so a refreshed file is
   * picked up. Must be readable at start.
   */
  clientAssertionFile?: string;
  /** `jwt` verifies locally against the realm's JWKS; `introspection` asks Keycloak (RFC 7662). */
  mode: AuthMode;
  /** Accepted `aud` values: a token must name at least one. Required: a token meant for another service is refused. */
  audience: string | string[];
  /**
   * Accepted signature algorithms (jwt mode verifies with them; introspection mode refuses other `alg` headers
   * before calling Keycloak). Only asymmetric ones are allowed. Default RS256, ES256.
   */
  algorithms?: string[];
  /** Seconds of clock skew tolerated on `exp`, `nbf` and `iat`. Default 5. */
  clockToleranceSec?: number;
  /** Longest time an introspection answer is reused, in seconds (never past the token's `exp`). Default 30. */
  introspectionCacheTtlSec?: number;
  /**
   * Introspection mode: new tokens (cache misses) one caller — a token's `azp`, authentic since the signature is
   * checked first — may have introspected per minute; past it, 429 `introspection_rate_limited` with `Retry-After`
   * and no call to Keycloak. Default 600; 0 turns the limit off.
   */
  introspectionMissesPerMinute?: number;
  /**
   * Where each caller's introspections of the current minute are counted. Default: in this process — behind a load
   * balancer each replica then allows the budget on its own; share one store (`RedisCounterStore` of
   * nest-keycloak-s2s/redis) to make it one budget. When the store cannot answer, the request is refused with 503
   * `counter_store_unavailable`.
   */
  introspectionBudgetStore?: CounterStore;
  /** Bound of each token cache (verified tokens, introspection answers, exchanged tokens). Default 10 000. */
  cacheMaxEntries?: number;
  /** Outgoing tokens are renewed this many seconds before they expire... Default 30. */
  refreshMarginSec?: number;
  /** ...or when this fraction of their lifetime is left, whichever comes first. Default 0.1. */
  refreshFraction?: number;
  /** Timeout of each call to Keycloak, in milliseconds. Default 5000. */
  httpTimeoutMs?: number;
  /**
   * Least time between two JWKS fetches (jwt mode), in milliseconds: a token with an unknown `kid` triggers a
   * refetch only this long after the previous fetch, so a flood of random kids cannot flood Keycloak. Default 10 000.
   */
  jwksCooldownMs?: number;
  /**
   * Longest time the fetched JWKS is used before it is fetched again (jwt mode), in milliseconds. A key Keycloak
   * removed (rotation, compromise) still verifies new tokens until then; tokens already verified stay accepted
   * until their `exp`. Default 600 000 (10 min, jose's).
   */
  jwksCacheMaxAgeMs?: number;
  /** Register the guard for every route (opt out with `@Public()`). Default true. */
  globalGuard?: boolean;
  /**
   * More realms (issuers) whose tokens are accepted. The home realm (`url`, `realm`, `issuer`) is always accepted
   * and is where client-credentials tokens come from; a token is checked by the realm its `iss` names, and a
   * token whose `iss` is on no list is refused before any call to Keycloak.
   */
  additionalRealms?: KeycloakRealmOptions[];
  /**
   * PEM certificate(s) of the CA(s) that sign Keycloak's HTTPS certificate, for a Keycloak behind a private CA.
   * When set, only these are trusted for calls to Keycloak (JWKS, token, introspection, exchange), as with
   * Node's `tls` option `ca`. Default: Node's trusted roots.
   */
  ca?: string | string[];
  /**
   * Told of every authentication verdict, call to Keycloak and cache lookup, for metrics (see
   * {@link KeycloakAuthObserver}). Default: an observer that does nothing.
   */
  observer?: KeycloakAuthObserver;
}

/** One accepted realm, resolved: where to reach it, the issuer its tokens carry, and how to authenticate there. */
export interface ResolvedRealm {
  readonly realm: string;
  readonly url: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret?: string;
  readonly clientAuthMethod: ClientAuthMethod;
  /**
   * The signing keys of `private_key_jwt` (shared by every realm), as given: the key set is read from them by
   * `loadClientKeys` (the module's `CLIENT_KEY_SET`), not by the resolver.
   */
  readonly clientKeys?: ClientKeysOptions | ClientKeySet;
  /** The assertion file of `federated_jwt`. */
  readonly clientAssertionFile?: string;
  readonly endpoints: {
    readonly token: string;
    readonly introspection: string;
    readonly jwks: string;
  };
}

/**
 * {@link KeycloakAuthOptions} with defaults applied and endpoints derived. Its own realm fields are the home
 * realm's; {@link realms} lists every accepted realm, the home realm first.
 */
export interface ResolvedKeycloakAuthOptions extends ResolvedRealm, ResolvedDpopOptions {
  readonly mode: AuthMode;
  readonly audience: readonly string[];
  readonly algorithms: readonly string[];
  readonly clockToleranceSec: number;
  readonly introspectionCacheTtlSec: number;
  readonly introspectionMissesPerMinute: number;
  /** The shared store of the introspection budget; undefined: one in this process. */
  readonly introspectionBudgetStore?: CounterStore;
  readonly cacheMaxEntries: number;
  readonly refreshMarginSec: number;
  readonly refreshFraction: number;
  readonly httpTimeoutMs: number;
  readonly jwksCooldownMs: number;
  readonly jwksCacheMaxAgeMs: number;
  readonly globalGuard: boolean;
  readonly realms: readonly ResolvedRealm[];
  /** The CA certificates trusted for calls to Keycloak, one PEM each; undefined: Node's trusted roots. */
  readonly ca?: readonly string[];
  readonly observer: KeycloakAuthObserver;
}

import type { AuthMode } from '../core/auth-mode';
import type { KeycloakAuthObserver } from '../transport/keycloak-auth.observer';
import type { ClientKeySet, ClientKeysOptions } from '../keys/client-key-set';
import type { DpopOptions, ResolvedDpopOptions } from './dpop.options';
import type { ResolvedResourceMetadataOptions, ResourceMetadataOptions } from './resource-metadata.options';

/** `clientAuth` `client_secret_basic`: the client secret in HTTP Basic (RFC 6749 §2.3.1). */
export interface ClientSecretAuthOptions {
  method: 'client_secret_basic';
  /** This service's client secret; required in introspection mode (and for client credentials and token exchange). */
  secret: string;
}

/**
 * `clientAuth` `private_key_jwt`: a JWT signed with one of this service's keys (RFC 7523 §2.2), no shared secret.
 * Keycloak reads the public keys from the client's JWKS URL, which `nest-keycloak-s2s/client-keys` publishes.
 */
export interface PrivateKeyJwtAuthOptions {
  method: 'private_key_jwt';
  /**
   * The key pairs it signs with: a folder of key files ({@link ClientKeysOptions}; every replica reads the same one)
   * or a loaded {@link ClientKeySet}.
   */
  keys: ClientKeysOptions | ClientKeySet;
}

/** `clientAuth` `federated_jwt`: a token another issuer gave this workload, as RFC 7523 client assertion, no secret. */
export interface FederatedJwtAuthOptions {
  method: 'federated_jwt';
  /**
   * The file holding that token (e.g. a Kubernetes projected service-account token whose audience is the realm's
   * issuer), read again at every call so a refreshed file is picked up. Must be readable at start.
   */
  assertionFile: string;
}

/**
 * How this service authenticates to Keycloak's token and introspection endpoints, in every realm: one of
 * {@link ClientSecretAuthOptions}, {@link PrivateKeyJwtAuthOptions}, {@link FederatedJwtAuthOptions}, told apart
 * by `method`.
 */
export type ClientAuthOptions = ClientSecretAuthOptions | PrivateKeyJwtAuthOptions | FederatedJwtAuthOptions;
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
  /**
   * That client's secret, when the home realm's `clientAuth` is `client_secret_basic` (the other methods are the
   * same in every realm). Default: the top-level `clientAuth`.
   */
  clientAuth?: ClientSecretAuthOptions;
}

/** How incoming tokens are checked (option `verification`). */
export interface VerificationOptions {
  /**
   * Accepted signature algorithms (jwt mode verifies with them; introspection mode refuses other `alg` headers
   * before calling Keycloak). Only asymmetric ones are allowed. Default RS256, ES256.
   */
  algorithms?: string[];
  /** Seconds of clock skew tolerated on `exp`, `nbf` and `iat` (of tokens and DPoP proofs). Default 5. */
  clockToleranceSec?: number;
  /** Bound of each token cache (verified tokens, introspection answers, exchanged tokens, proofs). Default 10 000. */
  cacheMaxEntries?: number;
}

/** Introspection mode's settings (option `introspection`). */
export interface IntrospectionOptions {
  /** Longest time an introspection answer is reused, in seconds (never past the token's `exp`). Default 30. */
  cacheTtlSec?: number;
  /**
   * New tokens (cache misses) one caller — a token's `azp`, authentic since the signature is checked first — may
   * have introspected per minute; past it, 429 `introspection_rate_limited` with `Retry-After` and no call to
   * Keycloak. Default 600; 0 turns the limit off.
   */
  missesPerMinute?: number;
  /**
   * Where each caller's introspections of the current minute are counted. Default: in this process — behind a load
   * balancer each replica then allows the budget on its own; share one store (`RedisCounterStore` of
   * nest-keycloak-s2s/redis) to make it one budget. When the store cannot answer, the request is refused with 503
   * `counter_store_unavailable`.
   */
  budgetStore?: CounterStore;
}

/** How the realms' signing keys are fetched (option `jwks`). */
export interface JwksOptions {
  /**
   * Least time between two JWKS fetches, in milliseconds: a token with an unknown `kid` triggers a refetch only
   * this long after the previous fetch, so a flood of random kids cannot flood Keycloak. Default 10 000.
   */
  cooldownMs?: number;
  /**
   * Longest time the fetched JWKS is used before it is fetched again, in milliseconds. A key Keycloak removed
   * (rotation, compromise) still verifies new tokens until then; tokens already verified stay accepted until their
   * `exp`. Default 600 000 (10 min, jose's).
   */
  cacheMaxAgeMs?: number;
}

/** When this service's own outgoing tokens (client credentials, token exchange) are renewed (option `outgoingTokens`). */
export interface OutgoingTokenOptions {
  /** Renewed this many seconds before they expire... Default 30. */
  refreshMarginSec?: number;
  /** ...or when this fraction of their lifetime is left, whichever comes first. Default 0.1. */
  refreshFraction?: number;
}

/** The calls to Keycloak (option `http`). */
export interface HttpOptions {
  /** Timeout of each call to Keycloak, in milliseconds. Default 5000. */
  timeoutMs?: number;
  /**
   * PEM certificate(s) of the CA(s) that sign Keycloak's HTTPS certificate, for a Keycloak behind a private CA.
   * When set, only these are trusted for calls to Keycloak (JWKS, token, introspection, exchange), as with Node's
   * `tls` option `ca`. Default: Node's trusted roots.
   */
  ca?: string | string[];
}

/**
 * What a {@link RealmResolver} is given: the incoming HTTP request (Express', Fastify's, or the one a GraphQL
 * context holds), typed by what every one of them has: its headers (`host`, `x-forwarded-host`, …).
 */
export interface RealmResolverRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * Chooses, per request, the one configured realm (by name: the home `realm` or one of `additionalRealms`) whose
 * tokens the request may carry, e.g. by host name. Undefined: no realm serves this request (401).
 */
export type RealmResolver = (request: RealmResolverRequest) => string | undefined;

/** Options of {@link KeycloakAuthModule}; validated at start by {@link resolveKeycloakAuthOptions}. */
export interface KeycloakAuthOptions {
  /** Where this service reaches Keycloak, e.g. `http://keycloak:8080` inside compose. */
  url: string;
  /** Realm name, e.g. `s2s`. */
  realm: string;
  /** The `iss` tokens carry; defaults to `<url>/realms/<realm>`. Differs from `url` when browser and service see Keycloak under different hosts. */
  issuer?: string;
  /** This service's client id (introspection, client credentials and token exchange authenticate as it). */
  clientId: string;
  /** `jwt` verifies locally against the realm's JWKS; `introspection` asks Keycloak (RFC 7662). */
  mode: AuthMode;
  /** Accepted `aud` values: a token must name at least one. Required: a token meant for another service is refused. */
  audience: string | string[];
  /**
   * How this service authenticates to Keycloak's token and introspection endpoints ({@link ClientAuthOptions}).
   * Required in introspection mode; without it (jwt mode) the calls carry no client authentication.
   */
  clientAuth?: ClientAuthOptions;
  /**
   * More realms (issuers) whose tokens are accepted. The home realm (`url`, `realm`, `issuer`) is always accepted
   * and is where client-credentials tokens come from; a token is checked by the realm its `iss` names, and a
   * token whose `iss` is on no list is refused before any call to Keycloak.
   */
  additionalRealms?: KeycloakRealmOptions[];
  /**
   * Chooses per request which configured realm may verify its token (multi-tenancy, e.g. by host name): a token
   * whose `iss` is not that realm's issuer gets 401 `invalid_token` before any call to Keycloak. A name that is no
   * configured realm, undefined, or a resolver that throws refuses the request (401; the first and last are logged
   * as configuration problems): it never widens the accepted issuers. Default: every configured realm.
   */
  realmResolver?: RealmResolver;
  /** How incoming tokens are checked. */
  verification?: VerificationOptions;
  /** Introspection mode's cache and per-caller budget. */
  introspection?: IntrospectionOptions;
  /** How the realms' signing keys are fetched. */
  jwks?: JwksOptions;
  /** DPoP-bound tokens (RFC 9449); default off. */
  dpop?: DpopOptions;
  /** When this service's own tokens are renewed. */
  outgoingTokens?: OutgoingTokenOptions;
  /** The calls to Keycloak: timeout and trusted CA. */
  http?: HttpOptions;
  /** Register the guard for every route (opt out with `@Public()`). Default true. */
  globalGuard?: boolean;
  /**
   * Told of every authentication verdict, call to Keycloak and cache lookup, for metrics (see
   * {@link KeycloakAuthObserver}). Default: an observer that does nothing.
   */
  observer?: KeycloakAuthObserver;
  /**
   * The service's OAuth 2.0 Protected Resource Metadata (RFC 9728), served at
   * `/.well-known/oauth-protected-resource` and named in every challenge's `resource_metadata`: the resource
   * identifier, the accepted realms' issuers, the scopes, the DPoP policy ({@link ResourceMetadataOptions}).
   * Default: served, with the request's origin as the identifier; `false` turns it off (404, no parameter).
   */
  resourceMetadata?: false | ResourceMetadataOptions;
}

/** {@link ClientAuthOptions} resolved: `client_secret_basic` without a secret sends no client authentication. */
export type ResolvedClientAuth =
  | { readonly method: 'client_secret_basic'; readonly secret?: string }
  | {
      readonly method: 'private_key_jwt';
      /**
       * The signing keys, as given: the key set is read from them by `loadClientKeys` (the module's
       * `CLIENT_KEY_SET`), not by the resolver.
       */
      readonly keys: ClientKeysOptions | ClientKeySet;
    }
  | { readonly method: 'federated_jwt'; readonly assertionFile: string };

/** One accepted realm, resolved: where to reach it, the issuer its tokens carry, and how to authenticate there. */
export interface ResolvedRealm {
  readonly realm: string;
  readonly url: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly clientAuth: ResolvedClientAuth;
  readonly endpoints: {
    readonly token: string;
    readonly introspection: string;
    readonly jwks: string;
  };
}

/** {@link VerificationOptions} with defaults applied. */
export interface ResolvedVerificationOptions {
  readonly algorithms: readonly string[];
  readonly clockToleranceSec: number;
  readonly cacheMaxEntries: number;
}

/** {@link IntrospectionOptions} with defaults applied. */
export interface ResolvedIntrospectionOptions {
  readonly cacheTtlSec: number;
  readonly missesPerMinute: number;
  /** The shared store of the introspection budget; undefined: one in this process. */
  readonly budgetStore?: CounterStore;
}

/** {@link JwksOptions} with defaults applied. */
export interface ResolvedJwksOptions {
  readonly cooldownMs: number;
  readonly cacheMaxAgeMs: number;
}

/** {@link OutgoingTokenOptions} with defaults applied. */
export interface ResolvedOutgoingTokenOptions {
  readonly refreshMarginSec: number;
  readonly refreshFraction: number;
}

/** {@link HttpOptions} with defaults applied. */
export interface ResolvedHttpOptions {
  readonly timeoutMs: number;
  /** The CA certificates trusted for calls to Keycloak, one PEM each; undefined: Node's trusted roots. */
  readonly ca?: readonly string[];
}

/**
 * {@link KeycloakAuthOptions} with defaults applied and endpoints derived, group by group. {@link home} is the home
 * realm; {@link realms} lists every accepted realm, the home realm first. Each component of the library takes only
 * the groups it needs.
 */
export interface ResolvedKeycloakAuthOptions {
  readonly home: ResolvedRealm;
  readonly realms: readonly ResolvedRealm[];
  /** The per-request choice among {@link realms}, when configured. */
  readonly realmResolver?: RealmResolver;
  readonly mode: AuthMode;
  readonly audience: readonly string[];
  readonly verification: ResolvedVerificationOptions;
  readonly introspection: ResolvedIntrospectionOptions;
  readonly jwks: ResolvedJwksOptions;
  readonly dpop: ResolvedDpopOptions;
  readonly outgoingTokens: ResolvedOutgoingTokenOptions;
  readonly http: ResolvedHttpOptions;
  readonly globalGuard: boolean;
  readonly observer: KeycloakAuthObserver;
  /** The Protected Resource Metadata's options; `false`: not served. */
  readonly resourceMetadata: ResolvedResourceMetadataOptions;
}

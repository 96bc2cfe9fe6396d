import { Logger } from '@nestjs/common';
import { DpopOptions, resolveDpopOptions, ResolvedDpopOptions } from './dpop/dpop.options';
import { pemCertificates } from './http/keycloak-tls';
import { ClientKeySet, ClientKeysOptions } from './keys/client-key-set';
import { CLIENT_AUTH_METHODS, ClientAuthMethod } from './oauth/client-auth';
import { federatedJwtProblems } from './oauth/federated-jwt.options';
import { clientKeysProblems } from './keys/client-keys.options';
import {
  isKeycloakAuthObserver,
  KeycloakAuthObserver,
  noopKeycloakAuthObserver,
} from './observer/keycloak-auth.observer';

/** The ways incoming bearer tokens can be validated (option `mode`). */
export const AUTH_MODES = ['jwt', 'introspection'] as const;
/** How incoming bearer tokens are validated: `jwt` locally against the JWKS, `introspection` by Keycloak. */
export type AuthMode = (typeof AUTH_MODES)[number];

/** One refused option: its key (e.g. `additionalRealms[0].url`) and why. */
export interface OptionProblem {
  readonly option: string;
  readonly reason: string;
}

/**
 * The error {@link resolveKeycloakAuthOptions} throws: its message names every refused option, and `problems` lists
 * them one by one, so an app that reads its options from elsewhere (environment keys) can name its own keys.
 */
export class InvalidKeycloakAuthOptionsError extends Error {
  constructor(readonly problems: readonly OptionProblem[]) {
    super(
      `Invalid KeycloakAuthModule options: ${problems.map((p) => `${p.option}: ${p.reason}`).join('; ')}`,
    );
    this.name = 'InvalidKeycloakAuthOptionsError';
  }
}

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
  /** The signing keys of `private_key_jwt` (shared by every realm). */
  readonly clientKeys?: ClientKeySet;
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

const ASYMMETRIC = /^(RS|PS|ES)(256|384|512)$|^EdDSA$/;

/** Applies defaults and refuses unsafe or incomplete options with an error naming the bad key. */
export function resolveKeycloakAuthOptions(options: KeycloakAuthOptions): ResolvedKeycloakAuthOptions {
  const problems: OptionProblem[] = [];
  const need = (key: string, ok: boolean, why: string) => {
    if (!ok) problems.push({ option: key, reason: why });
  };
  need('url', isHttpUrl(options.url), 'must be an http(s) URL');
  need('realm', nonEmpty(options.realm), 'is required');
  need('clientId', nonEmpty(options.clientId), 'is required');
  need('mode', AUTH_MODES.includes(options.mode), `must be one of ${AUTH_MODES.join(', ')}`);
  const audience = [options.audience ?? []].flat().filter(nonEmpty);
  need('audience', audience.length > 0, 'is required: tokens meant for other services must be refused');
  // The signed-JWT methods replace the secret.
  const secretNeeded =
    options.mode === 'introspection' &&
    options.clientAuthMethod !== 'private_key_jwt' &&
    options.clientAuthMethod !== 'federated_jwt';
  need('clientSecret', !secretNeeded || nonEmpty(options.clientSecret), 'is required in introspection mode');
  need(
    'clientAuthMethod',
    options.clientAuthMethod === undefined || CLIENT_AUTH_METHODS.includes(options.clientAuthMethod),
    `must be one of ${CLIENT_AUTH_METHODS.join(', ')}`,
  );
  problems.push(...clientKeysProblems(options));
  problems.push(...federatedJwtProblems(options));
  const algorithms = options.algorithms ?? ['RS256', 'ES256'];
  need(
    'algorithms',
    algorithms.length > 0 && algorithms.every((a) => ASYMMETRIC.test(a)),
    'must list asymmetric algorithms only (never none or HS*)',
  );
  if (options.issuer !== undefined) need('issuer', isHttpUrl(options.issuer), 'must be an http(s) URL');
  for (const key of [
    'clockToleranceSec',
    'introspectionCacheTtlSec',
    'introspectionMissesPerMinute',
    'refreshMarginSec',
    'httpTimeoutMs',
    'jwksCooldownMs',
  ] as const) {
    const value = options[key];
    if (value !== undefined) need(key, Number.isFinite(value) && value >= 0, 'must be a number >= 0');
  }
  // 0 would make jose treat the set as stale at every verification: a JWKS fetch per request.
  if (options.jwksCacheMaxAgeMs !== undefined) {
    const value = options.jwksCacheMaxAgeMs;
    need('jwksCacheMaxAgeMs', Number.isFinite(value) && value > 0, 'must be a number > 0');
  }
  if (options.cacheMaxEntries !== undefined) {
    need(
      'cacheMaxEntries',
      Number.isInteger(options.cacheMaxEntries) && options.cacheMaxEntries > 0,
      'must be an integer > 0',
    );
  }
  if (options.refreshFraction !== undefined) {
    need('refreshFraction', options.refreshFraction >= 0 && options.refreshFraction < 1, 'must be in [0, 1)');
  }
  const extra = options.additionalRealms ?? [];
  need('additionalRealms', Array.isArray(extra), 'must be a list of realms');
  if (Array.isArray(extra)) {
    extra.forEach((entry, i) => {
      const key = `additionalRealms[${i}]`;
      if (typeof entry !== 'object' || entry === null) return need(key, false, 'must be an object');
      need(`${key}.realm`, nonEmpty(entry.realm), 'is required');
      if (entry.url !== undefined) need(`${key}.url`, isHttpUrl(entry.url), 'must be an http(s) URL');
      if (entry.issuer !== undefined)
        need(`${key}.issuer`, isHttpUrl(entry.issuer), 'must be an http(s) URL');
      if (entry.clientId !== undefined)
        need(`${key}.clientId`, nonEmpty(entry.clientId), 'must not be empty');
      if (entry.clientSecret !== undefined) {
        need(
          `${key}.clientSecret`,
          !secretNeeded || nonEmpty(entry.clientSecret),
          'is required in introspection mode',
        );
      }
    });
  }
  let ca: string[] | undefined;
  if (options.ca !== undefined) {
    const parsed = [options.ca].flat().map((pem) => pemCertificates(pem));
    ca = parsed.flatMap((certificates) => certificates ?? []);
    const valid = parsed.every((certificates) => certificates !== undefined);
    need('ca', valid && ca.length > 0, 'must be one or more PEM certificates (-----BEGIN CERTIFICATE-----)');
  }
  if (options.observer !== undefined) {
    need(
      'observer',
      isKeycloakAuthObserver(options.observer),
      'must have the methods authenticated, idpCall and cacheLookup',
    );
  }
  const dpop = resolveDpopOptions(options, need);
  if (problems.length > 0) throw new InvalidKeycloakAuthOptionsError(problems);

  let clientKeys: ClientKeySet | undefined;
  if (options.clientAuthMethod === 'private_key_jwt') {
    try {
      clientKeys = clientKeySetOf(options.clientKeys!);
    } catch (error) {
      throw new InvalidKeycloakAuthOptionsError([
        { option: 'clientKeys.dir', reason: (error as Error).message },
      ]);
    }
  }
  const home = resolveRealm(options, options, clientKeys);
  const realms = [home];
  extra.forEach((entry, i) => {
    const realm = resolveRealm(entry, options, clientKeys);
    const same = realms.find((r) => r.issuer === realm.issuer);
    // The issuer picks the realm that checks a token: two realms with one issuer would make that choice ambiguous.
    if (same)
      need(`additionalRealms[${i}].issuer`, false, `${realm.issuer} is already realm ${same.realm}'s`);
    realms.push(realm);
  });
  if (problems.length > 0) throw new InvalidKeycloakAuthOptionsError(problems);

  return {
    ...home,
    mode: options.mode,
    audience,
    algorithms,
    clockToleranceSec: options.clockToleranceSec ?? 5,
    introspectionCacheTtlSec: options.introspectionCacheTtlSec ?? 30,
    introspectionMissesPerMinute: options.introspectionMissesPerMinute ?? 600,
    cacheMaxEntries: options.cacheMaxEntries ?? 10_000,
    refreshMarginSec: options.refreshMarginSec ?? 30,
    refreshFraction: options.refreshFraction ?? 0.1,
    httpTimeoutMs: options.httpTimeoutMs ?? 5_000,
    jwksCooldownMs: options.jwksCooldownMs ?? 10_000,
    jwksCacheMaxAgeMs: options.jwksCacheMaxAgeMs ?? 600_000,
    globalGuard: options.globalGuard ?? true,
    realms,
    ca,
    observer: options.observer ?? noopKeycloakAuthObserver,
    ...dpop,
  };
}

/** The options of one realm's verifier or token client: the shared settings with that realm's fields. */
export function optionsForRealm(
  options: ResolvedKeycloakAuthOptions,
  realm: ResolvedRealm,
): ResolvedKeycloakAuthOptions {
  return { ...options, ...realm };
}

function resolveRealm(
  realm: KeycloakRealmOptions,
  defaults: KeycloakAuthOptions,
  clientKeys: ClientKeySet | undefined,
): ResolvedRealm {
  const url = (realm.url ?? defaults.url).replace(/\/+$/, '');
  const realmUrl = `${url}/realms/${encodeURIComponent(realm.realm)}`;
  return {
    realm: realm.realm,
    url,
    issuer: (realm.issuer ?? realmUrl).replace(/\/+$/, ''),
    clientId: realm.clientId ?? defaults.clientId,
    clientSecret: (realm.clientSecret ?? defaults.clientSecret) || undefined,
    clientAuthMethod: defaults.clientAuthMethod ?? 'client_secret_basic',
    clientKeys,
    clientAssertionFile: defaults.clientAssertionFile,
    endpoints: {
      token: `${realmUrl}/protocol/openid-connect/token`,
      introspection: `${realmUrl}/protocol/openid-connect/token/introspect`,
      jwks: `${realmUrl}/protocol/openid-connect/certs`,
    },
  };
}

/** The key set of option `clientKeys`, read (and made, with `generate`) now, so a bad folder stops the start. */
function clientKeySetOf(keys: ClientKeysOptions | ClientKeySet): ClientKeySet {
  if (keys instanceof ClientKeySet) return keys;
  const logger = new Logger('KeycloakAuth');
  return new ClientKeySet(keys, undefined, (message) => logger.log(message));
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0;
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

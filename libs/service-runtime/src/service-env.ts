import { readFileSync } from 'node:fs';
import { loadClientKeys } from 'nest-keycloak-s2s/client-keys';
import { KeycloakAuthOptions } from 'nest-keycloak-s2s';
import {
  AuthMode,
  InvalidKeycloakAuthOptionsError,
  resolveKeycloakAuthOptions,
} from 'nest-keycloak-s2s/options';
import {
  ClientAuthEnv,
  clientAuthEnv,
  CLIENT_AUTH_KEYS,
  clientAuthOptions,
  secretNeeded,
} from './client-auth-env';
import { EnvReader, envReader, RawEnv } from './env-reader';
import type { ServiceDefinition } from './service-definition';

/** The environment every service reads (docs/operations.md, "Configuration", lists each key). */
export interface ServiceEnv extends ClientAuthEnv {
  KEYCLOAK_URL: string;
  KEYCLOAK_REALM: string;
  KEYCLOAK_ISSUER?: string;
  /** PEM file of the CA that signed Keycloak's certificate, when it is a private one (read at start). */
  KEYCLOAK_CA_FILE?: string;
  CLIENT_ID: string;
  CLIENT_SECRET: string;
  AUTH_MODE: AuthMode;
  PORT: number;
  HOST: string;
  INTROSPECTION_CACHE_TTL: number;
  /** Introspection mode: new tokens one caller (`azp`) may have introspected per minute; 0: no limit. */
  INTROSPECTION_MISSES_PER_MINUTE: number;
  /** Seconds the realm's JWKS is used before it is fetched again (jwt mode): how long a removed key still verifies. */
  JWKS_CACHE_MAX_AGE: number;
  DOWNSTREAM_TIMEOUT_MS: number;
  /** The next hop's base URL, from the key the service's definition names (`SERVICE_B_URL`, …); none for the last. */
  NEXT_HOP_URL?: string;
  /** Milliseconds between SIGTERM and closing the listener, while readiness answers 503. Default 0. */
  SHUTDOWN_DELAY_MS: number;
  /**
   * Redis, `redis://host:port` (or `rediss://` for TLS), when the service runs as several replicas: the state of
   * its security checks is kept there for all of them (DPoP proofs already used, each caller's introspections this
   * minute; service-a's login limits and logout tokens). Unset: in this process.
   */
  REDIS_URL?: string;
  /** Which URL DPoP proofs to Keycloak name (option `dpop.keycloakHtu`): `issuer` behind a proxy that presents Keycloak the issuer's host. */
  KEYCLOAK_DPOP_HTU?: string;
  /** The algorithm of this service's own DPoP key (option `dpop.keyAlgorithm`): EdDSA (default), ES256 or PS256. */
  DPOP_KEY_ALG?: string;
  /**
   * The KeycloakAuthModule options the auth keys above make, already checked by the library's own resolver: a bad
   * auth key is refused at start under its environment name, by the same rules the module applies.
   */
  KEYCLOAK_AUTH: KeycloakAuthOptions;
}

/** The library's option each auth key becomes: a refusal of the option is reported under the key. */
const AUTH_KEYS: Record<string, keyof ServiceEnv> = {
  url: 'KEYCLOAK_URL',
  realm: 'KEYCLOAK_REALM',
  issuer: 'KEYCLOAK_ISSUER',
  'http.ca': 'KEYCLOAK_CA_FILE',
  clientId: 'CLIENT_ID',
  ...CLIENT_AUTH_KEYS,
  mode: 'AUTH_MODE',
  'introspection.cacheTtlSec': 'INTROSPECTION_CACHE_TTL',
  'introspection.missesPerMinute': 'INTROSPECTION_MISSES_PER_MINUTE',
  'jwks.cacheMaxAgeMs': 'JWKS_CACHE_MAX_AGE',
  'dpop.keycloakHtu': 'KEYCLOAK_DPOP_HTU',
  'dpop.keyAlgorithm': 'DPOP_KEY_ALG',
};

/** What the environment check needs of a service's definition. */
export type EnvDefinition = Partial<Pick<ServiceDefinition, 'defaults' | 'nextHop' | 'env'>>;

/**
 * Builds the validate function for ConfigModule.forRoot: applies the definition's defaults, reads the keys every
 * service has, hands the auth keys to the library's resolver and the service's own keys to its definition, and
 * refuses to start with one message that names every missing or malformed key.
 */
export function serviceEnvValidator(definition: EnvDefinition) {
  return (raw: RawEnv): ServiceEnv => {
    const read = envReader(raw, definition.defaults);
    const port = read.int('PORT', 3000, 0);
    const caFile = read.value('KEYCLOAK_CA_FILE');
    const mode = read.value('AUTH_MODE') ?? 'jwt';
    const clientAuth = clientAuthEnv(read);
    const env: ServiceEnv = {
      ...clientAuth,
      KEYCLOAK_URL: read.value('KEYCLOAK_URL') ?? '',
      KEYCLOAK_ISSUER: read.value('KEYCLOAK_ISSUER'),
      KEYCLOAK_REALM: read.value('KEYCLOAK_REALM') ?? '',
      KEYCLOAK_CA_FILE: caFile,
      CLIENT_ID: read.value('CLIENT_ID') ?? '',
      // Required only by the method that uses it; with another, one set anyway is the resolver's to refuse.
      CLIENT_SECRET: secretNeeded(clientAuth)
        ? read.required('CLIENT_SECRET')
        : (read.value('CLIENT_SECRET') ?? ''),
      AUTH_MODE: mode as AuthMode,
      PORT: port,
      HOST: read.value('HOST') ?? '0.0.0.0',
      INTROSPECTION_CACHE_TTL: read.int('INTROSPECTION_CACHE_TTL', 30),
      INTROSPECTION_MISSES_PER_MINUTE: read.int('INTROSPECTION_MISSES_PER_MINUTE', 600),
      JWKS_CACHE_MAX_AGE: read.int('JWKS_CACHE_MAX_AGE', 600),
      DOWNSTREAM_TIMEOUT_MS: read.int('DOWNSTREAM_TIMEOUT_MS', 5000, 1),
      NEXT_HOP_URL: definition.nextHop ? read.url(definition.nextHop.urlKey, true) : undefined,
      SHUTDOWN_DELAY_MS: read.int('SHUTDOWN_DELAY_MS', 0, 0),
      KEYCLOAK_DPOP_HTU: read.value('KEYCLOAK_DPOP_HTU'),
      REDIS_URL: redisUrl(read),
      DPOP_KEY_ALG: read.value('DPOP_KEY_ALG'),
      KEYCLOAK_AUTH: undefined as unknown as KeycloakAuthOptions,
    };
    env.KEYCLOAK_AUTH = keycloakOptions(env, caFile === undefined ? undefined : readCa(caFile, read));
    checkAuthOptions(env.KEYCLOAK_AUTH, read);
    const own = definition.env?.(read, env) ?? {};
    read.done();
    return { ...env, ...own };
  };
}

/** KeycloakAuthModule options from the environment's auth keys; `audience` is this service's client id. */
function keycloakOptions(env: ServiceEnv, ca: string | undefined): KeycloakAuthOptions {
  return {
    url: env.KEYCLOAK_URL,
    issuer: env.KEYCLOAK_ISSUER,
    realm: env.KEYCLOAK_REALM,
    clientId: env.CLIENT_ID,
    clientAuth: clientAuthOptions(env),
    mode: env.AUTH_MODE,
    audience: env.CLIENT_ID,
    introspection: {
      cacheTtlSec: env.INTROSPECTION_CACHE_TTL,
      missesPerMinute: env.INTROSPECTION_MISSES_PER_MINUTE,
    },
    jwks: { cacheMaxAgeMs: env.JWKS_CACHE_MAX_AGE * 1000 },
    http: { ca },
    dpop: {
      // The chain's services take DPoP-bound tokens as well as bearer tokens (their `@Dpop()` routes require them).
      policy: 'allowed',
      keycloakHtu: env.KEYCLOAK_DPOP_HTU as NonNullable<KeycloakAuthOptions['dpop']>['keycloakHtu'],
      keyAlgorithm: env.DPOP_KEY_ALG as NonNullable<KeycloakAuthOptions['dpop']>['keyAlgorithm'],
    },
  };
}

/** Runs the library's resolver on the options and reports each refusal under the key it came from. */
function checkAuthOptions(options: KeycloakAuthOptions, read: EnvReader): void {
  try {
    // The resolver is pure; the key folder and the assertion file are read as the module will read them.
    loadClientKeys(resolveKeycloakAuthOptions(options));
  } catch (error) {
    if (!(error instanceof InvalidKeycloakAuthOptionsError)) throw error;
    for (const { option, reason } of error.problems) {
      const key = AUTH_KEYS[option];
      if (key && read.reported(key)) continue;
      read.problem(key ? `${key}: ${reason}${shown(read, key, reason)}` : `${option}: ${reason}`);
    }
  }
}

/** `, got "…"`: the refused key's value as set, unless it is the secret or a file the reason already names. */
function shown(read: EnvReader, key: keyof ServiceEnv, reason: string): string {
  const value = key === 'CLIENT_SECRET' ? undefined : read.value(key);
  if (value === undefined || ((key.endsWith('_FILE') || key.endsWith('_DIR')) && reason.includes(value)))
    return '';
  return `, got "${value}"`;
}

/** REDIS_URL when set: a redis:// or rediss:// URL. */
function redisUrl(read: EnvReader): string | undefined {
  const url = read.value('REDIS_URL');
  if (url !== undefined && !/^rediss?:\/\/[^\s/]+/.test(url))
    read.problem('REDIS_URL must be a redis:// or rediss:// URL');
  return url;
}

/** The CA file's text (its certificates are the resolver's to check); a file that cannot be read is a problem. */
function readCa(path: string, read: EnvReader): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    read.problem(
      `KEYCLOAK_CA_FILE cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'} ${path}`,
    );
    return undefined;
  }
}

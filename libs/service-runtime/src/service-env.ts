import { readFileSync } from 'node:fs';
import { ConfigService } from '@nestjs/config';
import { KeycloakAuthOptions } from 'nest-keycloak-s2s';
import { AuthMode, pemCertificates } from 'nest-keycloak-s2s/internal';
import { clientAuthEnv, ClientAuthEnv, clientAuthOptions } from './client-auth-env';

/** The environment every service reads (docs/operations.md, "Configuration", lists each key). */
export interface ServiceEnv extends ClientAuthEnv {
  KEYCLOAK_URL: string;
  KEYCLOAK_REALM: string;
  KEYCLOAK_ISSUER?: string;
  /** PEM file of the CA that signed Keycloak's certificate, when it is a private one (read at start). */
  KEYCLOAK_CA_FILE?: string;
  /** That file's certificates. */
  KEYCLOAK_CA?: string;
  CLIENT_ID: string;
  AUTH_MODE: AuthMode;
  PORT: number;
  HOST: string;
  INTROSPECTION_CACHE_TTL: number;
  /** Seconds the realm's JWKS is used before it is fetched again (jwt mode): how long a removed key still verifies. */
  JWKS_CACHE_MAX_AGE: number;
  DOWNSTREAM_TIMEOUT_MS: number;
  SERVICE_B_URL?: string;
  SERVICE_C_URL?: string;
  /** service-a: the address browsers use for it (login redirects, cookies); default http://localhost:PORT. */
  PUBLIC_URL: string;
  /** service-a: the internal password-grant endpoints (`/auth/token`, `/auth/refresh`) exist only when true. Default false. */
  ENABLE_PASSWORD_GRANT: boolean;
  /** service-a: a login session ends after this many seconds without a request. Default 1800. */
  SESSION_IDLE_TIMEOUT: number;
  /** Milliseconds between SIGTERM and closing the listener, while readiness answers 503. Default 0. */
  SHUTDOWN_DELAY_MS: number;
}

type Raw = Record<string, unknown>;

/**
 * Builds the validate function for ConfigModule.forRoot: applies defaults and refuses to start with a message
 * that names every missing or malformed key.
 */
export function serviceEnvValidator(
  defaults: Partial<Record<keyof ServiceEnv, string>>,
  urls: (keyof ServiceEnv)[] = [],
) {
  return (raw: Raw): ServiceEnv => {
    const value = (key: keyof ServiceEnv) => {
      const v = raw[key] ?? defaults[key];
      return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
    };
    const problems: string[] = [];
    const url = (key: keyof ServiceEnv, required: boolean) => {
      const v = value(key);
      if (v === undefined) {
        if (required) problems.push(`${key} is required (an http(s) URL)`);
        return undefined;
      }
      if (!/^https?:\/\/[^\s/]+/.test(v)) problems.push(`${key} must be an http(s) URL, got "${v}"`);
      return v.replace(/\/+$/, '');
    };
    const int = (key: keyof ServiceEnv, fallback: number, min: number) => {
      const v = value(key);
      if (v === undefined) return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) problems.push(`${key} must be an integer >= ${min}, got "${v}"`);
      return n;
    };
    const required = (key: keyof ServiceEnv) => {
      const v = value(key);
      if (v === undefined) problems.push(`${key} is required`);
      return v ?? '';
    };
    const bool = (key: keyof ServiceEnv) => {
      const v = value(key)?.toLowerCase() ?? 'false';
      if (v !== 'true' && v !== 'false') problems.push(`${key} must be true or false, got "${v}"`);
      return v === 'true';
    };
    const mode = value('AUTH_MODE') ?? 'jwt';
    if (mode !== 'jwt' && mode !== 'introspection')
      problems.push(`AUTH_MODE must be jwt or introspection, got "${mode}"`);
    const env: ServiceEnv = {
      KEYCLOAK_URL: url('KEYCLOAK_URL', true) ?? '',
      KEYCLOAK_ISSUER: url('KEYCLOAK_ISSUER', false),
      KEYCLOAK_REALM: required('KEYCLOAK_REALM'),
      KEYCLOAK_CA_FILE: value('KEYCLOAK_CA_FILE'),
      KEYCLOAK_CA: caFile(value('KEYCLOAK_CA_FILE'), problems),
      CLIENT_ID: required('CLIENT_ID'),
      ...clientAuthEnv(value, problems),
      AUTH_MODE: mode as AuthMode,
      PORT: int('PORT', 3000, 0),
      HOST: value('HOST') ?? '0.0.0.0',
      INTROSPECTION_CACHE_TTL: int('INTROSPECTION_CACHE_TTL', 30, 0),
      JWKS_CACHE_MAX_AGE: int('JWKS_CACHE_MAX_AGE', 600, 1),
      DOWNSTREAM_TIMEOUT_MS: int('DOWNSTREAM_TIMEOUT_MS', 5000, 1),
      PUBLIC_URL: '',
      ENABLE_PASSWORD_GRANT: bool('ENABLE_PASSWORD_GRANT'),
      SESSION_IDLE_TIMEOUT: int('SESSION_IDLE_TIMEOUT', 1800, 1),
      SHUTDOWN_DELAY_MS: int('SHUTDOWN_DELAY_MS', 0, 0),
    };
    env.PUBLIC_URL = url('PUBLIC_URL', false) ?? `http://localhost:${env.PORT}`;
    for (const key of urls) (env as unknown as Raw)[key] = url(key, true);
    if (problems.length > 0) throw new Error(`Invalid configuration: ${problems.join('; ')}`);
    return env;
  };
}

function caFile(path: string | undefined, problems: string[]): string | undefined {
  if (path === undefined) return undefined;
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    problems.push(
      `KEYCLOAK_CA_FILE cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'} ${path}`,
    );
    return undefined;
  }
  // Checked here as the library checks its `ca` option, so a wrong file is named before anything starts.
  if (pemCertificates(pem) === undefined)
    problems.push(
      `KEYCLOAK_CA_FILE holds no PEM certificate that parses (-----BEGIN CERTIFICATE-----): ${path}`,
    );
  return pem;
}

/** KeycloakAuthModule options from the validated environment; `audience` is this service's client id. */
export function keycloakOptionsFromEnv(config: ConfigService<ServiceEnv, true>): KeycloakAuthOptions {
  const clientId = config.get('CLIENT_ID', { infer: true });
  return {
    url: config.get('KEYCLOAK_URL', { infer: true }),
    issuer: config.get('KEYCLOAK_ISSUER', { infer: true }),
    realm: config.get('KEYCLOAK_REALM', { infer: true }),
    clientId,
    ...clientAuthOptions({
      CLIENT_AUTH_METHOD: config.get('CLIENT_AUTH_METHOD', { infer: true }),
      CLIENT_SECRET: config.get('CLIENT_SECRET', { infer: true }),
      CLIENT_KEYS_DIR: config.get('CLIENT_KEYS_DIR', { infer: true }),
      CLIENT_KEYS_GENERATE: config.get('CLIENT_KEYS_GENERATE', { infer: true }),
      CLIENT_KEYS: config.get('CLIENT_KEYS', { infer: true }),
    }),
    mode: config.get('AUTH_MODE', { infer: true }),
    audience: clientId,
    introspectionCacheTtlSec: config.get('INTROSPECTION_CACHE_TTL', { infer: true }),
    jwksCacheMaxAgeMs: config.get('JWKS_CACHE_MAX_AGE', { infer: true }) * 1000,
    ca: config.get('KEYCLOAK_CA', { infer: true }),
  };
}

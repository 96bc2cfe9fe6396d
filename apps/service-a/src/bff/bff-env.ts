import type { EnvReader, ServiceEnv } from '@app/service-runtime';
import { SessionCipher, SessionKeysError } from './session-cipher';

/** service-a's own environment keys, on top of every service's (docs/operations.md, "Configuration"). */
export interface BffEnv {
  /** The address browsers use for service-a (login redirects, cookies); default http://localhost:PORT. */
  PUBLIC_URL: string;
  /** The internal password-grant endpoints (`/auth/token`, `/auth/refresh`) exist only when true. Default false. */
  ENABLE_PASSWORD_GRANT: boolean;
  /** A login session ends after this many seconds without a request. Default 1800. */
  SESSION_IDLE_TIMEOUT: number;
  /** Requests per minute one client address may send to the login routes (`/auth/*` but logout). Default 60. */
  LOGIN_RATE_LIMIT: number;
  /** `memory` (this process only, the default) or `redis` (shared by replicas, kept across restarts). */
  SESSION_STORE: 'memory' | 'redis';
  /** With `redis`: the session encryption keys, comma-separated base64 32-byte values; the first encrypts. */
  SESSION_ENCRYPTION_KEYS?: string;
}

/** service-a's validated configuration: every service's keys and its own. */
export type ServiceAEnv = ServiceEnv & BffEnv;

/**
 * Reads service-a's own keys (the definition's `env`): problems are reported with the common keys'. REDIS_URL is
 * every service's key (its form checked there), required here with `SESSION_STORE=redis`.
 */
export function bffEnv(read: EnvReader, common: ServiceEnv): BffEnv {
  return {
    PUBLIC_URL: read.url('PUBLIC_URL', false) ?? `http://localhost:${common.PORT}`,
    ENABLE_PASSWORD_GRANT: read.bool('ENABLE_PASSWORD_GRANT'),
    SESSION_IDLE_TIMEOUT: read.int('SESSION_IDLE_TIMEOUT', 1800, 1),
    LOGIN_RATE_LIMIT: read.int('LOGIN_RATE_LIMIT', 60, 1),
    ...sessionStoreEnv(read),
  };
}

function sessionStoreEnv(read: EnvReader): Pick<BffEnv, 'SESSION_STORE' | 'SESSION_ENCRYPTION_KEYS'> {
  const store = read.value('SESSION_STORE') ?? 'memory';
  if (store !== 'memory' && store !== 'redis') {
    read.problem(`SESSION_STORE must be memory or redis, got "${store}"`);
    return { SESSION_STORE: 'memory' };
  }
  if (store === 'memory') return { SESSION_STORE: store };
  // Its form is checked with every service's keys.
  read.required('REDIS_URL');
  const keys = read.required('SESSION_ENCRYPTION_KEYS');
  if (keys !== '') {
    try {
      SessionCipher.fromConfig(keys);
    } catch (error) {
      if (!(error instanceof SessionKeysError)) throw error;
      // The keys themselves are never printed.
      read.problem(`SESSION_ENCRYPTION_KEYS: ${error.message}`);
    }
  }
  return { SESSION_STORE: store, SESSION_ENCRYPTION_KEYS: keys };
}

import type { EnvReader, ServiceEnv } from '@app/service-runtime';

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
}

/** service-a's validated configuration: every service's keys and its own. */
export type ServiceAEnv = ServiceEnv & BffEnv;

/** Reads service-a's own keys (the definition's `env`): problems are reported with the common keys'. */
export function bffEnv(read: EnvReader, common: ServiceEnv): BffEnv {
  return {
    PUBLIC_URL: read.url('PUBLIC_URL', false) ?? `http://localhost:${common.PORT}`,
    ENABLE_PASSWORD_GRANT: read.bool('ENABLE_PASSWORD_GRANT'),
    SESSION_IDLE_TIMEOUT: read.int('SESSION_IDLE_TIMEOUT', 1800, 1),
    LOGIN_RATE_LIMIT: read.int('LOGIN_RATE_LIMIT', 60, 1),
  };
}

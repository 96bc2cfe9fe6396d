import type { KeycloakAuthOptions } from 'nest-keycloak-s2s';
import type { ClientAuthMethod } from 'nest-keycloak-s2s/internal';
import type { EnvReader } from './env-reader';

/** The keys saying how a service authenticates to Keycloak (docs/operations.md, "Configuration"). */
export interface ClientAuthEnv {
  /** `client_secret_basic` (CLIENT_SECRET, the default) or `federated_jwt` (CLIENT_ASSERTION_FILE, no secret). */
  CLIENT_AUTH_METHOD: ClientAuthMethod;
  /** With federated_jwt: the token file (a projected service-account token), read at every call to Keycloak. */
  CLIENT_ASSERTION_FILE?: string;
}

/** The library option each of these keys becomes (its refusals are reported under the key). */
export const CLIENT_AUTH_KEYS = {
  clientAuthMethod: 'CLIENT_AUTH_METHOD',
  clientAssertionFile: 'CLIENT_ASSERTION_FILE',
} as const;

/** Reads the keys as set; whether they fit together is the library resolver's to say. */
export function clientAuthEnv(read: EnvReader): ClientAuthEnv {
  return {
    CLIENT_AUTH_METHOD: (read.value('CLIENT_AUTH_METHOD') ?? 'client_secret_basic') as ClientAuthMethod,
    CLIENT_ASSERTION_FILE: read.value('CLIENT_ASSERTION_FILE'),
  };
}

/** Whether the method authenticates with CLIENT_SECRET (then required). */
export function secretNeeded(env: ClientAuthEnv): boolean {
  return env.CLIENT_AUTH_METHOD === 'client_secret_basic';
}

/** The KeycloakAuthModule options of those keys. */
export function clientAuthOptions(
  env: ClientAuthEnv,
): Pick<KeycloakAuthOptions, 'clientAuthMethod' | 'clientAssertionFile'> {
  return { clientAuthMethod: env.CLIENT_AUTH_METHOD, clientAssertionFile: env.CLIENT_ASSERTION_FILE };
}

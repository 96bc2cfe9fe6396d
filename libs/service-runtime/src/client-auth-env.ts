import type { KeycloakAuthOptions } from 'nest-keycloak-s2s';
import type { ClientAuthMethod } from 'nest-keycloak-s2s/options';
import type { EnvReader } from './env-reader';

/** The keys saying how a service authenticates to Keycloak (docs/operations.md, "Configuration"). */
export interface ClientAuthEnv {
  /**
   * `private_key_jwt` (a JWT signed with the service's own key, CLIENT_KEYS_DIR; the default),
   * `client_secret_basic` (CLIENT_SECRET; the default when CLIENT_SECRET is set) or `federated_jwt`
   * (CLIENT_ASSERTION_FILE, no secret).
   */
  CLIENT_AUTH_METHOD: ClientAuthMethod;
  /** With private_key_jwt: the folder of the service's key files; default `.keys/<CLIENT_ID>`. */
  CLIENT_KEYS_DIR: string;
  /** With private_key_jwt: make a first key when that folder has none (the dev stack). Default false. */
  CLIENT_KEYS_GENERATE: boolean;
  /** With federated_jwt: the token file (a projected service-account token), read at every call to Keycloak. */
  CLIENT_ASSERTION_FILE?: string;
}

/** The library option each of these keys becomes (its refusals are reported under the key). */
export const CLIENT_AUTH_KEYS = {
  clientAuthMethod: 'CLIENT_AUTH_METHOD',
  clientAssertionFile: 'CLIENT_ASSERTION_FILE',
  clientKeys: 'CLIENT_KEYS_DIR',
  'clientKeys.dir': 'CLIENT_KEYS_DIR',
  'clientKeys.generate': 'CLIENT_KEYS_GENERATE',
} as const;

/** Reads the keys as set; whether they fit together is the library resolver's to say. */
export function clientAuthEnv(read: EnvReader): ClientAuthEnv {
  return {
    // Secretless unless a secret is given: a deployment that still sets CLIENT_SECRET keeps working as it did.
    CLIENT_AUTH_METHOD: (read.value('CLIENT_AUTH_METHOD') ??
      (read.value('CLIENT_SECRET') === undefined
        ? 'private_key_jwt'
        : 'client_secret_basic')) as ClientAuthMethod,
    CLIENT_ASSERTION_FILE: read.value('CLIENT_ASSERTION_FILE'),
    CLIENT_KEYS_DIR: read.value('CLIENT_KEYS_DIR') ?? `.keys/${read.value('CLIENT_ID') ?? 'service'}`,
    CLIENT_KEYS_GENERATE: read.bool('CLIENT_KEYS_GENERATE'),
  };
}

/** Whether the method authenticates with CLIENT_SECRET (then required). */
export function secretNeeded(env: ClientAuthEnv): boolean {
  return env.CLIENT_AUTH_METHOD === 'client_secret_basic';
}

/** The KeycloakAuthModule options of those keys. */
export function clientAuthOptions(
  env: ClientAuthEnv,
): Pick<KeycloakAuthOptions, 'clientAuthMethod' | 'clientAssertionFile' | 'clientKeys'> {
  return {
    clientAuthMethod: env.CLIENT_AUTH_METHOD,
    clientAssertionFile: env.CLIENT_ASSERTION_FILE,
    ...(env.CLIENT_AUTH_METHOD === 'private_key_jwt'
      ? { clientKeys: { dir: env.CLIENT_KEYS_DIR, generate: env.CLIENT_KEYS_GENERATE } }
      : {}),
  };
}

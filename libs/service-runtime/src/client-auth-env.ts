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
  clientAuth: 'CLIENT_AUTH_METHOD',
  'clientAuth.method': 'CLIENT_AUTH_METHOD',
  'clientAuth.secret': 'CLIENT_SECRET',
  'clientAuth.assertionFile': 'CLIENT_ASSERTION_FILE',
  'clientAuth.keys': 'CLIENT_KEYS_DIR',
  'clientAuth.keys.dir': 'CLIENT_KEYS_DIR',
  'clientAuth.keys.generate': 'CLIENT_KEYS_GENERATE',
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

/**
 * The KeycloakAuthModule `clientAuth` of those keys and CLIENT_SECRET. A secret set next to a signed-JWT method
 * is passed on, for the resolver to refuse under its key; an unknown method likewise.
 */
export function clientAuthOptions(
  env: ClientAuthEnv & { CLIENT_SECRET: string },
): NonNullable<KeycloakAuthOptions['clientAuth']> {
  const secret = env.CLIENT_SECRET === '' ? {} : { secret: env.CLIENT_SECRET };
  switch (env.CLIENT_AUTH_METHOD) {
    case 'client_secret_basic':
      return { method: 'client_secret_basic', secret: env.CLIENT_SECRET };
    case 'private_key_jwt':
      return {
        method: 'private_key_jwt',
        keys: { dir: env.CLIENT_KEYS_DIR, generate: env.CLIENT_KEYS_GENERATE },
        ...secret,
      };
    case 'federated_jwt':
      return { method: 'federated_jwt', assertionFile: env.CLIENT_ASSERTION_FILE ?? '', ...secret };
    default:
      return { method: env.CLIENT_AUTH_METHOD as string } as unknown as NonNullable<
        KeycloakAuthOptions['clientAuth']
      >;
  }
}

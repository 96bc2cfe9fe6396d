import { Logger } from '@nestjs/common';
import type { KeycloakAuthOptions } from 'nest-keycloak-s2s';
import { ClientKeySet } from 'nest-keycloak-s2s/client-keys';

/** The environment keys of how a service authenticates to Keycloak (docs/operations.md, "Configuration"). */
export interface ClientAuthEnv {
  /**
   * `private_key_jwt` (a signed JWT, no shared secret; the default) or `client_secret_basic` (then CLIENT_SECRET;
   * the default when CLIENT_SECRET is set).
   */
  CLIENT_AUTH_METHOD: 'private_key_jwt' | 'client_secret_basic';
  /** The client secret; required with client_secret_basic only. */
  CLIENT_SECRET?: string;
  /** The folder of the service's key files (private_key_jwt); default `.keys/<CLIENT_ID>`. */
  CLIENT_KEYS_DIR: string;
  /** Make a first key when that folder has none (the dev stack). Default false: refuse to start. */
  CLIENT_KEYS_GENERATE: boolean;
  /** That folder's keys, read (or made) while the environment is checked: a bad folder stops the start there. */
  CLIENT_KEYS?: ClientKeySet;
}

/** Reads the {@link ClientAuthEnv} keys; `value` gives a key's trimmed value, `problems` collects what is wrong. */
export function clientAuthEnv(
  value: (key: keyof ClientAuthEnv | 'CLIENT_ID') => string | undefined,
  problems: string[],
): ClientAuthEnv {
  const secret = value('CLIENT_SECRET');
  // Secretless unless a secret is given: a deployment that still sets CLIENT_SECRET keeps working as it did.
  const method =
    value('CLIENT_AUTH_METHOD') ?? (secret === undefined ? 'private_key_jwt' : 'client_secret_basic');
  if (method !== 'private_key_jwt' && method !== 'client_secret_basic')
    problems.push(`CLIENT_AUTH_METHOD must be private_key_jwt or client_secret_basic, got "${method}"`);
  if (method === 'client_secret_basic' && secret === undefined)
    problems.push('CLIENT_SECRET is required (CLIENT_AUTH_METHOD=client_secret_basic)');
  const generate = value('CLIENT_KEYS_GENERATE')?.toLowerCase() ?? 'false';
  if (generate !== 'true' && generate !== 'false')
    problems.push(`CLIENT_KEYS_GENERATE must be true or false, got "${generate}"`);
  const dir = value('CLIENT_KEYS_DIR') ?? `.keys/${value('CLIENT_ID') ?? 'service'}`;
  let keys: ClientKeySet | undefined;
  if (method === 'private_key_jwt' && (generate === 'true' || generate === 'false')) {
    const logger = new Logger('KeycloakAuth');
    try {
      keys = new ClientKeySet({ dir, generate: generate === 'true' }, undefined, (m) => logger.log(m));
    } catch (error) {
      problems.push(`CLIENT_KEYS_DIR: ${(error as Error).message}`);
    }
  }
  return {
    CLIENT_AUTH_METHOD: method as ClientAuthEnv['CLIENT_AUTH_METHOD'],
    CLIENT_SECRET: method === 'client_secret_basic' ? secret : undefined,
    CLIENT_KEYS_DIR: dir,
    CLIENT_KEYS_GENERATE: generate === 'true',
    CLIENT_KEYS: keys,
  };
}

/** The KeycloakAuthModule options of those keys: a secret, or the key folder. */
export function clientAuthOptions(env: ClientAuthEnv): Partial<KeycloakAuthOptions> {
  if (env.CLIENT_AUTH_METHOD === 'client_secret_basic')
    return { clientAuthMethod: 'client_secret_basic', clientSecret: env.CLIENT_SECRET };
  return {
    clientAuthMethod: 'private_key_jwt',
    clientKeys: env.CLIENT_KEYS ?? { dir: env.CLIENT_KEYS_DIR, generate: env.CLIENT_KEYS_GENERATE },
  };
}

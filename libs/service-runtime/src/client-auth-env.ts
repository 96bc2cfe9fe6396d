import { ConfigService } from '@nestjs/config';
import type { KeycloakAuthOptions } from 'nest-keycloak-s2s';
import { CLIENT_AUTH_METHODS, type ClientAuthMethod } from 'nest-keycloak-s2s/internal';

/** The keys saying how a service authenticates to Keycloak (docs/operations.md, "Configuration"). */
export interface ClientAuthEnv {
  /** `client_secret_basic` (CLIENT_SECRET, the default) or `federated_jwt` (CLIENT_ASSERTION_FILE, no secret). */
  CLIENT_AUTH_METHOD: ClientAuthMethod;
  /** With federated_jwt: the token file (a projected service-account token), read at every call to Keycloak. */
  CLIENT_ASSERTION_FILE?: string;
}

/**
 * Reads the client-authentication keys with `value` (the env validator's trimmed lookup), adding a message per bad
 * key to `problems`; `secretNeeded` says whether CLIENT_SECRET is then required.
 */
export function clientAuthEnv(
  value: (key: keyof ClientAuthEnv | 'CLIENT_SECRET') => string | undefined,
  problems: string[],
): ClientAuthEnv & { secretNeeded: boolean } {
  const method = value('CLIENT_AUTH_METHOD') ?? 'client_secret_basic';
  if (!(CLIENT_AUTH_METHODS as readonly string[]).includes(method))
    problems.push(`CLIENT_AUTH_METHOD must be one of ${CLIENT_AUTH_METHODS.join(', ')}, got "${method}"`);
  const file = value('CLIENT_ASSERTION_FILE');
  if (method === 'federated_jwt' && file === undefined)
    problems.push('CLIENT_ASSERTION_FILE is required with CLIENT_AUTH_METHOD=federated_jwt');
  // The assertion replaces the secret: one left beside it would be a credential nobody needs (and the library refuses it).
  if (method === 'federated_jwt' && value('CLIENT_SECRET') !== undefined)
    problems.push('CLIENT_SECRET must not be set with CLIENT_AUTH_METHOD=federated_jwt');
  return {
    CLIENT_AUTH_METHOD: method as ClientAuthMethod,
    CLIENT_ASSERTION_FILE: file,
    secretNeeded: method === 'client_secret_basic',
  };
}

/** The KeycloakAuthModule options of those keys (the library checks the file at start). */
export function clientAuthOptions(
  config: ConfigService<ClientAuthEnv, true>,
): Pick<KeycloakAuthOptions, 'clientAuthMethod' | 'clientAssertionFile'> {
  const method = config.get('CLIENT_AUTH_METHOD', { infer: true });
  return method === 'federated_jwt'
    ? { clientAuthMethod: method, clientAssertionFile: config.get('CLIENT_ASSERTION_FILE', { infer: true }) }
    : { clientAuthMethod: method };
}

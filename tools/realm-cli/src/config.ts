import { CliError } from './cli-error';

/** Where the CLI finds Keycloak and the realm file, read from the environment. */
export interface CliConfig {
  keycloakUrl: string;
  adminUser: string;
  adminPassword: string;
  /** True when KEYCLOAK_ADMIN_USER / _PASSWORD were unset and the local dev server's admin/admin is used. */
  devAdmin: boolean;
  realmFile: string;
}

/**
 * KEYCLOAK_URL (default http://localhost:8080), KEYCLOAK_ADMIN_USER / KEYCLOAK_ADMIN_PASSWORD (default admin/admin:
 * the bootstrap admin of scripts/keycloak.mjs's dev server, nothing else) and REALM_FILE (default realm-export.json).
 */
export function readConfig(env: NodeJS.ProcessEnv): CliConfig {
  const keycloakUrl = (env.KEYCLOAK_URL || 'http://localhost:8080').replace(/\/+$/, '');
  let protocol: string;
  try {
    protocol = new URL(keycloakUrl).protocol;
  } catch {
    throw new CliError(`KEYCLOAK_URL is not a URL: ${keycloakUrl}`);
  }
  if (protocol !== 'http:' && protocol !== 'https:')
    throw new CliError(`KEYCLOAK_URL must be http or https, got ${keycloakUrl}`);
  const user = env.KEYCLOAK_ADMIN_USER;
  const password = env.KEYCLOAK_ADMIN_PASSWORD;
  if (Boolean(user) !== Boolean(password))
    throw new CliError(
      'set both KEYCLOAK_ADMIN_USER and KEYCLOAK_ADMIN_PASSWORD, or neither (local dev Keycloak)',
    );
  return {
    keycloakUrl,
    adminUser: user || 'admin',
    adminPassword: password || 'admin',
    devAdmin: !user,
    realmFile: env.REALM_FILE || 'realm-export.json',
  };
}

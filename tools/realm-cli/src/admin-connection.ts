import KcAdminClient from '@keycloak/keycloak-admin-client';
import { CliError, httpStatusOf } from './cli-error';
import type { CliConfig } from './config';

/**
 * An admin API client logged in to the master realm (admin-cli, password grant) and set to work on `realm`.
 * Bad credentials and a URL without Keycloak behind it become CliErrors that say which setting to check.
 */
export async function connectAdmin(config: CliConfig, realm: string): Promise<KcAdminClient> {
  const admin = new KcAdminClient({ baseUrl: config.keycloakUrl, realmName: 'master' });
  try {
    await admin.auth({
      grantType: 'password',
      clientId: 'admin-cli',
      username: config.adminUser,
      password: config.adminPassword,
    });
  } catch (error) {
    const status = httpStatusOf(error);
    if (status === 400 || status === 401) {
      const which = config.devAdmin
        ? 'KEYCLOAK_ADMIN_USER / KEYCLOAK_ADMIN_PASSWORD are unset, so the local dev server’s admin/admin was tried'
        : 'check KEYCLOAK_ADMIN_USER / KEYCLOAK_ADMIN_PASSWORD';
      throw new CliError(
        `Keycloak at ${config.keycloakUrl} refused the admin login of "${config.adminUser}" (${(error as Error).message}): ${which}`,
      );
    }
    if (status === 404)
      throw new CliError(`no Keycloak master realm at ${config.keycloakUrl} (404): check KEYCLOAK_URL`);
    throw error;
  }
  admin.setConfig({ realmName: realm });
  return admin;
}

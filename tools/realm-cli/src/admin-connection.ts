import KcAdminClient from '@keycloak/keycloak-admin-client';
import { CliError, httpStatusOf } from './cli-error';
import type { CliConfig } from './config';

/**
 * An admin API client logged in to the master realm (admin-cli, password grant) and set to work on `realm`.
 * Bad credentials and a URL without Keycloak behind it become CliErrors that say which setting to check.
 */
export async function connectAdmin(config: CliConfig, realm: string): Promise<KcAdminClient> {
  const login = new KcAdminClient({ baseUrl: config.keycloakUrl, realmName: 'master' });
  try {
    await login.auth({
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
  return adminWorkingOn(login, realm);
}

/**
 * A client of the admin API working on `realm` with the tokens of `login`, a client logged in to the master realm.
 * The admin client refreshes an expired token at the realm it works on, where Keycloak refuses a master refresh
 * token (`invalid_grant`) once the first token has expired (60 s in master): `login` stays on master and refreshes
 * there, for as long as the work takes.
 */
export function adminWorkingOn(login: KcAdminClient, realm: string): KcAdminClient {
  const admin = new KcAdminClient({ baseUrl: login.baseUrl, realmName: realm });
  admin.registerTokenProvider({ getAccessToken: () => login.getAccessToken() });
  return admin;
}

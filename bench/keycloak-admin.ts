import KcAdminClient from '@keycloak/keycloak-admin-client';
import { adminWorkingOn } from '../tools/realm-cli/src/admin-connection';

/**
 * The admin client of the benchmark's Keycloak, logged in to master with the dev bootstrap admin
 * (`KEYCLOAK_ADMIN_USER` / `KEYCLOAK_ADMIN_PASSWORD`, default admin/admin) and working on `realm`.
 */
export async function benchAdmin(keycloakUrl: string, realm: string): Promise<KcAdminClient> {
  const login = new KcAdminClient({ baseUrl: keycloakUrl, realmName: 'master' });
  await login.auth({
    grantType: 'password',
    clientId: 'admin-cli',
    username: process.env.KEYCLOAK_ADMIN_USER ?? 'admin',
    password: process.env.KEYCLOAK_ADMIN_PASSWORD ?? 'admin',
  });
  return adminWorkingOn(login, realm);
}

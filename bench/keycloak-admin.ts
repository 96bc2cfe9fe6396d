import KcAdminClient from '@keycloak/keycloak-admin-client';
import { connectAdmin } from '../tools/realm-cli/src/admin-connection';
import { readConfig } from '../tools/realm-cli/src/config';

/**
 * The admin client of the benchmark's Keycloak, logged in as the realm CLI logs in (the master realm,
 * `KEYCLOAK_ADMIN_USER` / `KEYCLOAK_ADMIN_PASSWORD`, default the dev server's admin/admin) and working on `realm`.
 */
export function benchAdmin(keycloakUrl: string, realm: string): Promise<KcAdminClient> {
  return connectAdmin(readConfig({ ...process.env, KEYCLOAK_URL: keycloakUrl }), realm);
}

import { join } from 'node:path';
import type KcAdminClient from '@keycloak/keycloak-admin-client';
import { loadRealmFile } from '../../../tools/realm-cli/src/realm-file';
import { loadRealmOverlay, withOverlay } from '../../../tools/realm-cli/src/realm-overlay';
import { adminClient, KEYCLOAK_URL } from './keycloak';

const ROOT = join(__dirname, '..', '..', '..');

/** A throw-away realm whose clients authenticate with workload tokens (federated-jwt), as in Kubernetes. */
export interface FederatedRealm {
  realm: string;
  /** The realm's issuer: the `aud` a workload token must have (the projected volume's `audience`). */
  issuer: string;
  admin: KcAdminClient;
  /** The service account whose tokens authenticate `clientId`, as deploy/realm-kubernetes.json names it. */
  subjectOf: (clientId: string) => string;
  remove: () => Promise<void>;
}

/**
 * Creates, through the admin API (Keycloak's import of a whole realm), realm-export.json's content with
 * deploy/realm-kubernetes.json on top — the realm the manifests in deploy/ need — under a random name, with the
 * Kubernetes identity provider trusting `workloadIssuer` instead of a cluster's API server.
 */
export async function createFederatedRealm(workloadIssuer: string): Promise<FederatedRealm> {
  const realm = `federated-${Math.random().toString(36).slice(2, 8)}`;
  const overlay = loadRealmOverlay(join(ROOT, 'deploy', 'realm-kubernetes.json'));
  const providers = (overlay.identityProviders ?? []).map((p) =>
    p.providerId === 'kubernetes' ? { ...p, config: { ...p.config, issuer: workloadIssuer } } : p,
  );
  const file = withOverlay(loadRealmFile(join(ROOT, 'realm-export.json'), realm), {
    ...overlay,
    identityProviders: providers,
  });
  const admin = await adminClient();
  admin.setConfig({ realmName: realm });
  await admin.realms.create(file as Parameters<KcAdminClient['realms']['create']>[0]);
  const subjects = new Map(
    (overlay.clients ?? []).map((c) => [c.clientId, c.attributes?.['jwt.credential.sub'] ?? '']),
  );
  return {
    realm,
    issuer: `${KEYCLOAK_URL}/realms/${realm}`,
    admin,
    subjectOf: (clientId) => subjects.get(clientId) ?? '',
    remove: () => admin.realms.del({ realm }),
  };
}

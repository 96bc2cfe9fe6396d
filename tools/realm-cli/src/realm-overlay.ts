import { readFileSync } from 'node:fs';
import { CliError } from './cli-error';
import type { ClientSpec, RealmFile } from './realm-file';

/** An identity provider of a realm (Keycloak's IdentityProviderRepresentation, the keys this project writes). */
export interface IdentityProviderSpec {
  alias: string;
  providerId: string;
  config?: Record<string, string>;
  [field: string]: unknown;
}

/**
 * What a deployment changes in the realm file (deploy/realm-kubernetes.json): identity providers to add, and per
 * client the fields to set over the file's (`attributes` merged key by key).
 */
export interface RealmOverlay {
  identityProviders?: IdentityProviderSpec[];
  clients?: (Partial<ClientSpec> & { clientId: string })[];
}

/**
 * The realm file with `overlay` on top. A client the overlay moves off `client-secret` loses the file's dev secret:
 * it authenticates some other way and must not keep a shared secret that still works elsewhere. An overlay client
 * the file does not have is an error (a typo would otherwise create a client nobody configured).
 */
export function withOverlay(file: RealmFile, overlay: RealmOverlay): RealmFile {
  const clients = (file.clients ?? []).map((client) => ({ ...client }));
  for (const change of overlay.clients ?? []) {
    const index = clients.findIndex((c) => c.clientId === change.clientId);
    if (index < 0) throw new CliError(`realm overlay: client ${change.clientId} is not in the realm file`);
    const merged: ClientSpec = {
      ...clients[index],
      ...change,
      attributes: { ...clients[index].attributes, ...change.attributes },
    };
    if ((merged.clientAuthenticatorType ?? 'client-secret') !== 'client-secret') delete merged.secret;
    clients[index] = merged;
  }
  const providers = (file.identityProviders ?? []).filter(
    (p) => !(overlay.identityProviders ?? []).some((o) => o.alias === p.alias),
  );
  return {
    ...file,
    clients,
    identityProviders: [...providers, ...(overlay.identityProviders ?? [])],
  };
}

/** Reads a realm overlay; errors name the file, never its values. */
export function loadRealmOverlay(path: string): RealmOverlay {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read the realm overlay ${path} (${code ?? 'not valid JSON'})`);
  }
  const overlay = parsed as RealmOverlay;
  const named = (list: unknown, key: string) =>
    list === undefined ||
    (Array.isArray(list) && list.every((i) => typeof (i as Record<string, unknown>)?.[key] === 'string'));
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    !named(overlay.clients, 'clientId') ||
    !named(overlay.identityProviders, 'alias')
  )
    throw new CliError(
      `realm overlay ${path}: "clients" and "identityProviders" must be lists of objects with a "clientId" / "alias"`,
    );
  return overlay;
}

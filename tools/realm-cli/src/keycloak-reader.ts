import type KcAdminClient from '@keycloak/keycloak-admin-client';
import type { LiveClient, LiveRealm, LiveUser } from './live-realm';
import type { RealmFile } from './realm-file';

type Representation = Record<string, unknown>;

const names = (list: { name?: string }[] | undefined): string[] =>
  (list ?? []).map((item) => item.name ?? '');

function without(rep: object, ...keys: string[]): Representation {
  const copy: Representation = { ...rep };
  for (const key of keys) delete copy[key];
  return copy;
}

async function readUser(admin: KcAdminClient, rep: { id?: string }): Promise<LiveUser> {
  const mappings = await admin.users.listRoleMappings({ id: rep.id! });
  const clientRoles = Object.fromEntries(
    Object.values(mappings.clientMappings ?? {}).map((m) => [m.client ?? '', names(m.mappings)]),
  );
  return { fields: without(rep, 'id'), realmRoles: names(mappings.realmMappings), clientRoles };
}

async function readClient(
  admin: KcAdminClient,
  clientId: string,
  readSecret: boolean,
): Promise<{ client?: LiveClient; serviceAccount?: LiveUser }> {
  const rep = (await admin.clients.find({ clientId })).find((c) => c.clientId === clientId);
  if (!rep?.id) return {};
  const id = rep.id;
  const [defaults, optionals, roles] = await Promise.all([
    admin.clients.listDefaultClientScopes({ id }),
    admin.clients.listOptionalClientScopes({ id }),
    admin.clients.listRoles({ id }),
  ]);
  const client: LiveClient = {
    // The secret never travels with the fields: diff lines are built from them.
    fields: without(rep, 'id', 'secret'),
    defaultClientScopes: names(defaults),
    optionalClientScopes: names(optionals),
    roles: roles.map((r) => ({ name: r.name ?? '', description: r.description })),
  };
  if (rep.authorizationServicesEnabled)
    client.authorization = (await admin.clients.exportResource({ id })) as unknown as Representation;
  if (readSecret && !rep.publicClient) client.secret = (await admin.clients.getClientSecret({ id })).value;
  const serviceAccount = rep.serviceAccountsEnabled
    ? await readUser(admin, await admin.clients.getServiceAccountUser({ id }))
    : undefined;
  return { client, serviceAccount };
}

/**
 * Reads what the plan compares of the realm the file names (the admin client's realm must be set to it), or null
 * when that realm does not exist. Clients and users are read only when the file names them.
 */
export async function readLiveRealm(
  admin: KcAdminClient,
  file: RealmFile,
  options: { readSecrets?: boolean } = {},
): Promise<LiveRealm | null> {
  const settings = await admin.realms.findOne({ realm: file.realm });
  if (!settings) return null;
  const [scopes, defaults, optionals, realmRoles] = await Promise.all([
    admin.clientScopes.find(),
    admin.clientScopes.listDefaultClientScopes(),
    admin.clientScopes.listDefaultOptionalClientScopes(),
    admin.roles.find(),
  ]);
  const live: LiveRealm = {
    settings: settings as Representation,
    defaultDefaultClientScopes: names(defaults),
    defaultOptionalClientScopes: names(optionals),
    clientScopes: scopes.map((scope) => ({
      name: scope.name ?? '',
      fields: without(scope, 'id', 'protocolMappers'),
      protocolMappers: (scope.protocolMappers ?? []).map((m) => ({
        name: m.name ?? '',
        protocol: m.protocol,
        protocolMapper: m.protocolMapper,
        config: (m.config ?? {}) as Record<string, string>,
      })),
    })),
    realmRoles: realmRoles.map((r) => ({ name: r.name ?? '', description: r.description })),
    clients: {},
    users: {},
    serviceAccounts: {},
    identityProviders: {},
  };
  for (const { alias } of file.identityProviders ?? []) {
    const rep = await admin.identityProviders.findOne({ alias });
    live.identityProviders[alias] = rep ? without(rep, 'internalId') : undefined;
  }
  const clientIds = new Set([
    ...(file.clients ?? []).map((c) => c.clientId),
    ...Object.keys(file.roles?.client ?? {}),
  ]);
  for (const clientId of clientIds) {
    const { client, serviceAccount } = await readClient(admin, clientId, options.readSecrets ?? false);
    live.clients[clientId] = client;
    live.serviceAccounts[clientId] = serviceAccount;
  }
  for (const user of file.users ?? []) {
    if (user.serviceAccountClientId) continue;
    const rep = (await admin.users.find({ username: user.username, exact: true })).find(
      (u) => u.username === user.username.toLowerCase(),
    );
    live.users[user.username] = rep ? await readUser(admin, rep) : undefined;
  }
  return live;
}

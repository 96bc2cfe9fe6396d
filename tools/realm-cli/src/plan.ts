import { diffFields, setDifference, show } from './field-diff';
import type { LiveClient, LiveMapper, LiveRealm, LiveUser } from './live-realm';
import { planIdentityProviders } from './plan-identity-providers';
import { AuthorizationSettings, planAuthorization } from './plan-authorization';
import type { ClientScopeSpec, ClientSpec, MapperSpec, RealmFile, RoleSpec, UserSpec } from './realm-file';
import type { IdentityProviderSpec } from './realm-overlay';

/** Default (always in tokens) or optional (on request) client scope. */
export type ScopeType = 'default' | 'optional';

/** A user by username, or the service-account user of a client. */
export interface UserRef {
  username: string;
  serviceAccountOf?: string;
}

/** One step of `apply`. Actions may carry secrets (a new client's secret, a password); lines never do. */
export type Action =
  | { kind: 'createRealm'; realm: RealmFile }
  | { kind: 'updateRealm'; patch: Record<string, unknown> }
  | { kind: 'realmDefaultScope'; scope: string; type: ScopeType; add: boolean }
  | { kind: 'createClientScope'; scope: ClientScopeSpec }
  | { kind: 'updateClientScope'; name: string; patch: Record<string, unknown> }
  | { kind: 'putMapper'; scope: string; mapper: MapperSpec; exists: boolean }
  | { kind: 'deleteMapper'; scope: string; mapper: string }
  | { kind: 'putRole'; clientId?: string; role: RoleSpec; exists: boolean }
  | { kind: 'createIdentityProvider'; provider: IdentityProviderSpec }
  | { kind: 'updateIdentityProvider'; alias: string; patch: Record<string, unknown> }
  | { kind: 'createClient'; client: ClientSpec }
  | { kind: 'updateClient'; clientId: string; patch: Record<string, unknown> }
  | { kind: 'clientScope'; clientId: string; scope: string; type: ScopeType; add: boolean }
  | { kind: 'importAuthorization'; clientId: string; settings: AuthorizationSettings }
  | { kind: 'resetClientSecret'; clientId: string; secret: string }
  | { kind: 'createUser'; user: UserSpec }
  | { kind: 'updateUser'; username: string; patch: Record<string, unknown> }
  | { kind: 'resetPassword'; username: string; password: string; temporary: boolean }
  | { kind: 'userRole'; user: UserRef; clientId?: string; role: string; add: boolean };

/** One difference: the line `diff` prints (`+` missing, `-` not in the file, `~` differs) and what fixes it. */
export interface Change {
  line: string;
  action: Action;
}

/** What `apply` may touch beyond making the realm match: both default to false. */
export interface PlanOptions {
  /** Set existing users' passwords to the file's (they cannot be compared, so every such user is a change). */
  resetPasswords?: boolean;
  /** Compare existing clients' secrets with the file's and reset those that differ. */
  resetSecrets?: boolean;
}

// Keys that are not plain fields of the object, or that the plan handles on their own.
const CLIENT_SKIP = [
  'id',
  'clientId',
  'secret',
  'defaultClientScopes',
  'optionalClientScopes',
  'protocolMappers',
  'authorizationSettings',
];
const USER_SKIP = ['id', 'username', 'serviceAccountClientId', 'credentials', 'realmRoles', 'clientRoles'];
const SCOPE_SKIP = ['id', 'name', 'protocolMappers'];

/** Several lines share one action when one request fixes them all. */
const many = (lines: string[], action: Action): Change[] => lines.map((line) => ({ line, action }));

function planMappers(scope: ClientScopeSpec, live: LiveMapper[]): Change[] {
  if (!scope.protocolMappers) return [];
  const subject = `client scope ${scope.name}: mapper "`;
  const changes: Change[] = [];
  for (const mapper of scope.protocolMappers) {
    const have = live.find((m) => m.name === mapper.name);
    if (!have) {
      changes.push({
        line: `+ ${subject}${mapper.name}"`,
        action: { kind: 'putMapper', scope: scope.name, mapper, exists: false },
      });
      continue;
    }
    // Keycloak 26 has no consentRequired on mappers any more (it ignores the file's): not compared.
    const want = { protocol: mapper.protocol, protocolMapper: mapper.protocolMapper };
    const lines = diffFields(`${subject}${mapper.name}"`, want, { ...have }, []).lines;
    // Only the config keys the file states: Keycloak fills in defaults of its own (userinfo.token.claim, …).
    for (const [key, value] of Object.entries(mapper.config ?? {})) {
      if (value === have.config[key]) continue;
      const sign = have.config[key] === undefined ? '+' : '~';
      lines.push(
        `${sign} ${subject}${mapper.name}": config.${key} ${show(have.config[key])} → ${show(value)}`,
      );
    }
    changes.push(...many(lines, { kind: 'putMapper', scope: scope.name, mapper, exists: true }));
  }
  for (const extra of live.filter((m) => !scope.protocolMappers!.some((w) => w.name === m.name)))
    changes.push({
      line: `- ${subject}${extra.name}"`,
      action: { kind: 'deleteMapper', scope: scope.name, mapper: extra.name },
    });
  return changes;
}

function planRoles(
  subject: string,
  want: RoleSpec[] | undefined,
  have: RoleSpec[],
  clientId?: string,
): Change[] {
  const changes: Change[] = [];
  for (const role of want ?? []) {
    const live = have.find((r) => r.name === role.name);
    if (!live)
      changes.push({
        line: `+ ${subject}${role.name}`,
        action: { kind: 'putRole', clientId, role, exists: false },
      });
    else if (role.description !== undefined && role.description !== live.description)
      changes.push({
        line: `~ ${subject}${role.name}: description ${show(live.description)} → ${show(role.description)}`,
        action: { kind: 'putRole', clientId, role, exists: true },
      });
  }
  return changes;
}

/** Removals first: Keycloak links a scope to a client (or realm) once, as default or as optional. */
function planScopeLinks(
  subject: string,
  want: Record<ScopeType, string[] | undefined>,
  have: Record<ScopeType, string[]>,
  action: (scope: string, type: ScopeType, add: boolean) => Action,
): Change[] {
  const removals: Change[] = [];
  const additions: Change[] = [];
  for (const type of ['default', 'optional'] as const) {
    if (!want[type]) continue;
    const { missing, extra } = setDifference(want[type], have[type]);
    additions.push(
      ...missing.map((s) => ({
        line: `+ ${subject} ${type} client scope ${s}`,
        action: action(s, type, true),
      })),
    );
    removals.push(
      ...extra.map((s) => ({
        line: `- ${subject} ${type} client scope ${s}`,
        action: action(s, type, false),
      })),
    );
  }
  return [...removals, ...additions];
}

function planClient(client: ClientSpec, live: LiveClient | undefined, options: PlanOptions): Change[] {
  const { clientId } = client;
  if (!live) return [{ line: `+ client ${clientId}`, action: { kind: 'createClient', client } }];
  const changes: Change[] = [];
  const fields = diffFields(`client ${clientId}`, client, live.fields, CLIENT_SKIP);
  changes.push(...many(fields.lines, { kind: 'updateClient', clientId, patch: fields.patch }));
  changes.push(
    ...planScopeLinks(
      `client ${clientId}:`,
      { default: client.defaultClientScopes, optional: client.optionalClientScopes },
      { default: live.defaultClientScopes, optional: live.optionalClientScopes },
      (scope, type, add) => ({ kind: 'clientScope', clientId, scope, type, add }),
    ),
  );
  const authorization = client.authorizationSettings as AuthorizationSettings | undefined;
  changes.push(...planAuthorization(clientId, authorization, live.authorization));
  if (options.resetSecrets && client.secret !== undefined && client.secret !== live.secret)
    changes.push({
      line: `~ client ${clientId}: secret differs from the file's (reset to it)`,
      action: { kind: 'resetClientSecret', clientId, secret: client.secret },
    });
  return changes;
}

function planUserRoles(
  subject: string,
  user: UserRef,
  want: UserSpec,
  live: LiveUser | undefined,
  realm: string,
): Change[] {
  const changes: Change[] = [];
  const role = (role: string, add: boolean, clientId?: string): Change => ({
    line: `${add ? '+' : '-'} ${subject}: ${clientId ? 'client' : 'realm'} role ${clientId ? `${clientId}:` : ''}${role}`,
    action: { kind: 'userRole', user, clientId, role, add },
  });
  if (want.realmRoles) {
    // Keycloak gives every user the realm's default-roles composite by itself.
    const have = (live?.realmRoles ?? []).filter((r) => r !== `default-roles-${realm}`);
    const { missing, extra } = setDifference(want.realmRoles, have);
    changes.push(...missing.map((r) => role(r, true)), ...extra.map((r) => role(r, false)));
  }
  if (want.clientRoles) {
    const have = live?.clientRoles ?? {};
    for (const clientId of new Set([...Object.keys(want.clientRoles), ...Object.keys(have)])) {
      const { missing, extra } = setDifference(want.clientRoles[clientId] ?? [], have[clientId] ?? []);
      changes.push(
        ...missing.map((r) => role(r, true, clientId)),
        ...extra.map((r) => role(r, false, clientId)),
      );
    }
  }
  return changes;
}

function planUser(user: UserSpec, realm: LiveRealm, realmName: string, options: PlanOptions): Change[] {
  if (user.serviceAccountClientId) {
    const ref = { username: user.username, serviceAccountOf: user.serviceAccountClientId };
    const live = realm.serviceAccounts[user.serviceAccountClientId];
    return planUserRoles(`service account of ${user.serviceAccountClientId}`, ref, user, live, realmName);
  }
  const { username } = user;
  const live = realm.users[username];
  const changes: Change[] = [];
  const password = user.credentials?.find((c) => c.type === 'password');
  if (!live) {
    const line = `+ user ${username}${password ? ' (password from the file)' : ''}`;
    changes.push({ line, action: { kind: 'createUser', user } });
  } else {
    const fields = diffFields(`user ${username}`, user, live.fields, USER_SKIP);
    changes.push(...many(fields.lines, { kind: 'updateUser', username, patch: fields.patch }));
    if (options.resetPasswords && password)
      changes.push({
        line: `~ user ${username}: password reset to the file's`,
        action: {
          kind: 'resetPassword',
          username,
          password: password.value,
          temporary: password.temporary ?? false,
        },
      });
  }
  return [...changes, ...planUserRoles(`user ${username}`, { username }, user, live, realmName)];
}

/**
 * Everything `apply` would change so that the live realm matches the file, in an order that works (scopes before
 * the clients using them, roles before their mappings); `live` is null when the realm does not exist. Objects the
 * file does not name (Keycloak's built-in clients, scopes and roles, other users) are left alone; inside the
 * objects it names, the lists it states (redirect URIs, scopes, mappers, role mappings) must match exactly.
 */
export function planChanges(file: RealmFile, live: LiveRealm | null, options: PlanOptions = {}): Change[] {
  const name = file.realm;
  if (!live)
    return [
      {
        line: `+ realm ${name} (created with everything in the file)`,
        action: { kind: 'createRealm', realm: file },
      },
    ];
  const changes: Change[] = [];
  const settings = Object.fromEntries(
    Object.entries(file).filter(
      ([key, value]) =>
        key !== 'realm' && key !== 'id' && ['string', 'number', 'boolean'].includes(typeof value),
    ),
  );
  const realmFields = diffFields('realm', settings, live.settings, []);
  changes.push(...many(realmFields.lines, { kind: 'updateRealm', patch: realmFields.patch }));

  for (const scope of file.clientScopes ?? []) {
    const have = live.clientScopes.find((s) => s.name === scope.name);
    if (!have) {
      changes.push({ line: `+ client scope ${scope.name}`, action: { kind: 'createClientScope', scope } });
      continue;
    }
    const fields = diffFields(`client scope ${scope.name}`, { ...scope }, have.fields, SCOPE_SKIP);
    changes.push(...many(fields.lines, { kind: 'updateClientScope', name: scope.name, patch: fields.patch }));
    changes.push(...planMappers(scope, have.protocolMappers));
  }
  changes.push(
    ...planScopeLinks(
      'realm',
      { default: file.defaultDefaultClientScopes, optional: file.defaultOptionalClientScopes },
      { default: live.defaultDefaultClientScopes, optional: live.defaultOptionalClientScopes },
      (scope, type, add) => ({ kind: 'realmDefaultScope', scope, type, add }),
    ),
  );
  changes.push(...planRoles('realm role ', file.roles?.realm, live.realmRoles));
  changes.push(...planIdentityProviders(file.identityProviders, live.identityProviders));
  for (const client of file.clients ?? [])
    changes.push(...planClient(client, live.clients[client.clientId], options));
  for (const [clientId, roles] of Object.entries(file.roles?.client ?? {}))
    changes.push(
      ...planRoles(`client role ${clientId}:`, roles, live.clients[clientId]?.roles ?? [], clientId),
    );
  for (const user of file.users ?? []) changes.push(...planUser(user, live, name, options));
  return changes;
}

/** The distinct actions of a plan, in order (lines fixed by one request share its action). */
export function actionsOf(changes: Change[]): Action[] {
  return [...new Set(changes.map((change) => change.action))];
}

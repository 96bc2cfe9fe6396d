import type KcAdminClient from '@keycloak/keycloak-admin-client';
import { CliError } from './cli-error';
import type { Action, ScopeType, UserRef } from './plan';

type Representation = Record<string, unknown>;

/** The live representation with the patch laid over it; objects in the patch (attributes) are merged key by key. */
function merged(live: object, patch: Representation): Representation {
  const result: Representation = { ...live };
  for (const [key, value] of Object.entries(patch)) {
    const current = result[key];
    const isMap = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
    result[key] = isMap(value) && isMap(current) ? { ...(current as object), ...(value as object) } : value;
  }
  return result;
}

/** Carries out plan actions on the realm the admin client is set to; objects are looked up by name each time. */
export class KeycloakWriter {
  constructor(
    private readonly admin: KcAdminClient,
    private readonly realm: string,
  ) {}

  private notFound(what: string): never {
    throw new CliError(`${what} not found in realm ${this.realm}`);
  }

  private async clientUuid(clientId: string): Promise<string> {
    const client = (await this.admin.clients.find({ clientId })).find((c) => c.clientId === clientId);
    return client?.id ?? this.notFound(`client ${clientId}`);
  }

  private async scopeUuid(name: string): Promise<string> {
    return (
      (await this.admin.clientScopes.findOneByName({ name }))?.id ?? this.notFound(`client scope ${name}`)
    );
  }

  private async userUuid(user: UserRef): Promise<string> {
    if (user.serviceAccountOf) {
      const account = await this.admin.clients.getServiceAccountUser({
        id: await this.clientUuid(user.serviceAccountOf),
      });
      return account?.id ?? this.notFound(`service account of ${user.serviceAccountOf}`);
    }
    const found = await this.admin.users.find({ username: user.username, exact: true });
    return (
      found.find((u) => u.username === user.username.toLowerCase())?.id ??
      this.notFound(`user ${user.username}`)
    );
  }

  private async linkClientScopes(id: string, want: Record<ScopeType, string[] | undefined>): Promise<void> {
    const { clients } = this.admin;
    const have = {
      default: await clients.listDefaultClientScopes({ id }),
      optional: await clients.listOptionalClientScopes({ id }),
    };
    for (const type of ['default', 'optional'] as const) {
      const del = type === 'default' ? clients.delDefaultClientScope : clients.delOptionalClientScope;
      for (const scope of have[type].filter((s) => want[type] && !want[type].includes(s.name ?? '')))
        await del({ id, clientScopeId: scope.id! });
    }
    for (const type of ['default', 'optional'] as const) {
      const add = type === 'default' ? clients.addDefaultClientScope : clients.addOptionalClientScope;
      for (const name of (want[type] ?? []).filter((n) => !have[type].some((s) => s.name === n)))
        await add({ id, clientScopeId: await this.scopeUuid(name) });
    }
  }

  /** Performs one action. */
  async apply(action: Action): Promise<void> {
    const { admin } = this;
    switch (action.kind) {
      case 'createRealm':
        // Keycloak's own import: the same as `kc.sh start-dev --import-realm` does with the file.
        return void (await admin.realms.create(action.realm));
      case 'updateRealm':
        return admin.realms.update({ realm: this.realm }, action.patch);
      case 'realmDefaultScope': {
        const id = await this.scopeUuid(action.scope);
        const scopes = admin.clientScopes;
        if (action.type === 'default')
          return action.add ? scopes.addDefaultClientScope({ id }) : scopes.delDefaultClientScope({ id });
        return action.add
          ? scopes.addDefaultOptionalClientScope({ id })
          : scopes.delDefaultOptionalClientScope({ id });
      }
      case 'createClientScope':
        return void (await admin.clientScopes.create(action.scope));
      case 'updateClientScope': {
        const id = await this.scopeUuid(action.name);
        const live =
          (await admin.clientScopes.findOne({ id })) ?? this.notFound(`client scope ${action.name}`);
        return admin.clientScopes.update({ id }, merged(live, action.patch));
      }
      case 'putMapper': {
        const id = await this.scopeUuid(action.scope);
        const live = (await admin.clientScopes.listProtocolMappers({ id })).find(
          (m) => m.name === action.mapper.name,
        );
        // Keycloak does not change a mapper's type in place: replace it.
        if (live?.id && live.protocolMapper !== action.mapper.protocolMapper)
          await admin.clientScopes.delProtocolMapper({ id, mapperId: live.id });
        else if (live?.id)
          return admin.clientScopes.updateProtocolMapper(
            { id, mapperId: live.id },
            { ...action.mapper, id: live.id, config: { ...live.config, ...action.mapper.config } },
          );
        return void (await admin.clientScopes.addProtocolMapper({ id }, action.mapper));
      }
      case 'deleteMapper': {
        const id = await this.scopeUuid(action.scope);
        const live = (await admin.clientScopes.listProtocolMappers({ id })).find(
          (m) => m.name === action.mapper,
        );
        return live?.id ? admin.clientScopes.delProtocolMapper({ id, mapperId: live.id }) : undefined;
      }
      case 'putRole': {
        const { role } = action;
        if (!action.clientId)
          return action.exists
            ? admin.roles.updateByName({ name: role.name }, role)
            : void (await admin.roles.create(role));
        const id = await this.clientUuid(action.clientId);
        if (action.exists) return admin.clients.updateRole({ id, roleName: role.name }, role);
        return void (await admin.clients.createRole({ id, ...role }));
      }
      case 'createIdentityProvider':
        return void (await admin.identityProviders.create(action.provider));
      case 'updateIdentityProvider': {
        const { alias } = action;
        const live =
          (await admin.identityProviders.findOne({ alias })) ?? this.notFound(`identity provider ${alias}`);
        return admin.identityProviders.update({ alias }, merged(live, action.patch));
      }
      case 'createClient': {
        const { defaultClientScopes, optionalClientScopes, ...client } = action.client;
        const { id } = await admin.clients.create(client);
        // Keycloak gives a new client the realm's default scopes: make them the file's.
        return this.linkClientScopes(id, { default: defaultClientScopes, optional: optionalClientScopes });
      }
      case 'updateClient':
      case 'resetClientSecret': {
        const id = await this.clientUuid(action.clientId);
        const live = (await admin.clients.findOne({ id })) ?? this.notFound(`client ${action.clientId}`);
        const { secret: _unchanged, ...rep } = live;
        const patch = action.kind === 'updateClient' ? action.patch : { secret: action.secret };
        return admin.clients.update({ id }, merged(rep, patch));
      }
      case 'importAuthorization': {
        const id = await this.clientUuid(action.clientId);
        return admin.clients.importResource({ id }, action.settings);
      }
      case 'clientScope': {
        const id = await this.clientUuid(action.clientId);
        const clientScopeId = await this.scopeUuid(action.scope);
        const { clients } = this.admin;
        if (action.type === 'default')
          return action.add
            ? clients.addDefaultClientScope({ id, clientScopeId })
            : clients.delDefaultClientScope({ id, clientScopeId });
        return action.add
          ? clients.addOptionalClientScope({ id, clientScopeId })
          : clients.delOptionalClientScope({ id, clientScopeId });
      }
      case 'createUser': {
        const { realmRoles: _r, clientRoles: _c, serviceAccountClientId: _s, ...user } = action.user;
        return void (await admin.users.create(user));
      }
      case 'updateUser': {
        const id = await this.userUuid({ username: action.username });
        const live = (await admin.users.findOne({ id })) ?? this.notFound(`user ${action.username}`);
        return admin.users.update({ id }, merged(live, action.patch));
      }
      case 'resetPassword': {
        const id = await this.userUuid({ username: action.username });
        const credential = { type: 'password', value: action.password, temporary: action.temporary };
        return admin.users.resetPassword({ id, credential });
      }
      case 'userRole':
        return this.userRole(action);
    }
  }

  private async userRole(action: Extract<Action, { kind: 'userRole' }>): Promise<void> {
    const id = await this.userUuid(action.user);
    const { users } = this.admin;
    if (!action.clientId) {
      const role =
        (await this.admin.roles.findOneByName({ name: action.role })) ??
        this.notFound(`realm role ${action.role}`);
      const roles = [{ id: role.id!, name: role.name! }];
      return action.add
        ? users.addRealmRoleMappings({ id, roles })
        : users.delRealmRoleMappings({ id, roles });
    }
    const clientUniqueId = await this.clientUuid(action.clientId);
    const role =
      (await this.admin.clients.findRole({ id: clientUniqueId, roleName: action.role })) ??
      this.notFound(`client role ${action.clientId}:${action.role}`);
    const roles = [{ id: role.id!, name: role.name! }];
    return action.add
      ? users.addClientRoleMappings({ id, clientUniqueId, roles })
      : users.delClientRoleMappings({ id, clientUniqueId, roles });
  }
}

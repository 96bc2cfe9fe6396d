import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LiveRealm, LiveUser } from './live-realm';
import { actionsOf, planChanges } from './plan';
import { parseRealmFile, type RealmFile } from './realm-file';

const FILE_PATH = join(__dirname, '..', '..', '..', 'realm-export.json');
const file = (): RealmFile => parseRealmFile(readFileSync(FILE_PATH, 'utf8'), FILE_PATH);

const plain = (o: object) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v)));

/** Authorization settings as Keycloak exports them: attributes added, policy config JSON without spaces. */
function exported(settings: unknown): Record<string, unknown> {
  const s = structuredClone(settings) as {
    resources?: Record<string, unknown>[];
    policies?: { config?: Record<string, string> }[];
  };
  for (const r of s.resources ?? []) r.attributes = {};
  for (const p of s.policies ?? [])
    for (const [k, v] of Object.entries(p.config ?? {})) p.config![k] = JSON.stringify(JSON.parse(v));
  return s as Record<string, unknown>;
}

/**
 * The realm as Keycloak holds it right after importing the file: the file's content plus what Keycloak adds by
 * itself (built-in scopes and roles, default-roles-<realm>, default attributes and mapper config keys).
 */
function imported(f: RealmFile): LiveRealm {
  const user = (u: NonNullable<RealmFile['users']>[number]): LiveUser => ({
    fields: { ...u, id: 'uuid', createdTimestamp: 1, totp: false },
    realmRoles: [...(u.realmRoles ?? []), `default-roles-${f.realm}`],
    clientRoles: u.clientRoles ?? {},
  });
  return {
    settings: { ...plain(f), id: 'uuid', revokeRefreshToken: false },
    defaultDefaultClientScopes: f.defaultDefaultClientScopes ?? [],
    defaultOptionalClientScopes: f.defaultOptionalClientScopes ?? [],
    clientScopes: [
      ...(f.clientScopes ?? []).map((s) => ({
        name: s.name,
        fields: { ...s, attributes: { ...s.attributes, 'gui.order': '' } },
        protocolMappers: (s.protocolMappers ?? []).map((m) => ({
          ...m,
          config: { ...m.config, 'userinfo.token.claim': 'true' },
        })),
      })),
      { name: 'offline_access', fields: {}, protocolMappers: [] },
    ],
    realmRoles: [...(f.roles?.realm ?? []), { name: 'offline_access' }, { name: `default-roles-${f.realm}` }],
    clients: Object.fromEntries(
      (f.clients ?? []).map((c) => [
        c.clientId,
        {
          fields: {
            ...c,
            secret: undefined,
            attributes: { ...c.attributes, 'backchannel.logout.session.required': 'true' },
          },
          defaultClientScopes: c.defaultClientScopes ?? [],
          optionalClientScopes: c.optionalClientScopes ?? [],
          roles: f.roles?.client?.[c.clientId] ?? [],
          secret: c.secret,
          authorization: c.authorizationSettings ? exported(c.authorizationSettings) : undefined,
        },
      ]),
    ),
    users: Object.fromEntries(
      (f.users ?? []).filter((u) => !u.serviceAccountClientId).map((u) => [u.username, user(u)]),
    ),
    serviceAccounts: Object.fromEntries(
      (f.users ?? []).filter((u) => u.serviceAccountClientId).map((u) => [u.serviceAccountClientId, user(u)]),
    ),
    identityProviders: Object.fromEntries(
      (f.identityProviders ?? []).map((p) => [p.alias, { ...p, types: ['CLIENT_ASSERTION'] }]),
    ),
  };
}

const lines = (f: RealmFile, live: LiveRealm | null, options = {}) =>
  planChanges(f, live, options).map((c) => c.line);

describe('planChanges (what apply would change)', () => {
  it('finds nothing to change in a realm freshly imported from the file, whatever Keycloak added by itself', () => {
    expect(planChanges(file(), imported(file()))).toEqual([]);
  });

  it('creates a missing realm in one step, with the whole file, under the overriding name', () => {
    const f = parseRealmFile(readFileSync(FILE_PATH, 'utf8'), FILE_PATH, 'throwaway');
    const changes = planChanges(f, null);
    expect(changes).toEqual([
      {
        line: '+ realm throwaway (created with everything in the file)',
        action: { kind: 'createRealm', realm: f },
      },
    ]);
    expect(f.clients).toHaveLength(3);
  });

  it('reports realm settings, client scope fields and mappers: changed, missing and not in the file', () => {
    const live = imported(file());
    live.settings.accessTokenLifespan = 600;
    const audience = live.clientScopes.find((s) => s.name === 'service-b-audience')!;
    audience.protocolMappers[0].config['included.client.audience'] = 'service-c';
    audience.protocolMappers.push({
      name: 'extra',
      protocolMapper: 'oidc-hardcoded-claim-mapper',
      config: {},
    });
    audience.fields.description = 'changed';
    const basic = live.clientScopes.find((s) => s.name === 'basic')!;
    basic.protocolMappers = basic.protocolMappers.filter((m) => m.name !== 'auth_time');
    live.clientScopes = live.clientScopes.filter((s) => s.name !== 'analytics.run');

    expect(lines(file(), live)).toEqual([
      '~ realm: accessTokenLifespan 600 → 300',
      '+ client scope basic: mapper "auth_time"',
      '~ client scope service-b-audience: description "changed" → "Puts service-b in aud: service-b accepts only tokens meant for it."',
      '~ client scope service-b-audience: mapper "audience service-b": config.included.client.audience "service-c" → "service-b"',
      '- client scope service-b-audience: mapper "extra"',
      '+ client scope analytics.run',
    ]);
  });

  it('reports client fields, attributes, redirect URIs and scopes one line each; one request fixes a client', () => {
    const live = imported(file());
    const a = live.clients['service-a']!;
    a.fields.redirectUris = ['http://127.0.0.1/auth/callback', 'http://evil.test/cb'];
    a.fields.directAccessGrantsEnabled = false;
    a.fields.attributes = { 'pkce.code.challenge.method': 'plain' };
    a.defaultClientScopes = a.defaultClientScopes.filter((s) => s !== 'orders.read');
    const b = live.clients['service-b']!;
    // analytics.run moved from optional to default by hand, and service-b's own permissions still default, as
    // realms made before they became optional have them.
    b.defaultClientScopes.push('analytics.run', 'orders.approve', 'inventory.adjust');
    b.optionalClientScopes = ['service-c-audience'];

    const changes = planChanges(file(), live);
    expect(changes.map((c) => c.line)).toEqual([
      '~ client service-a: directAccessGrantsEnabled false → true',
      '+ client service-a: redirectUris http://localhost:3000/auth/callback',
      '- client service-a: redirectUris http://evil.test/cb',
      '~ client service-a: attributes.pkce.code.challenge.method "plain" → "S256"',
      '+ client service-a: attributes.post.logout.redirect.uris = "http://localhost:3000/##http://127.0.0.1/"',
      '+ client service-a: attributes.use.jwks.url = "true"',
      '+ client service-a: attributes.jwks.url = "http://localhost:3000/.well-known/jwks.json"',
      '+ client service-a: attributes.backchannel.logout.url = "http://localhost:3000/auth/backchannel-logout"',
      '+ client service-a: attributes.backchannel.logout.session.required = "true"',
      '+ client service-a: attributes.backchannel.logout.revoke.offline.tokens = "false"',
      '+ client service-a: attributes.token.endpoint.auth.signing.alg = "ES256"',
      '+ client service-a: default client scope orders.read',
      '- client service-b: default client scope analytics.run',
      '- client service-b: default client scope orders.approve',
      '- client service-b: default client scope inventory.adjust',
      '+ client service-b: optional client scope analytics.run',
      '+ client service-b: optional client scope orders.approve',
      '+ client service-b: optional client scope inventory.adjust',
    ]);
    const update = actionsOf(changes)[0];
    expect(update).toEqual({
      kind: 'updateClient',
      clientId: 'service-a',
      patch: {
        directAccessGrantsEnabled: true,
        redirectUris: ['http://localhost:3000/auth/callback', 'http://127.0.0.1/auth/callback'],
        attributes: {
          'pkce.code.challenge.method': 'S256',
          'post.logout.redirect.uris': 'http://localhost:3000/##http://127.0.0.1/',
          'use.jwks.url': 'true',
          'jwks.url': 'http://localhost:3000/.well-known/jwks.json',
          'backchannel.logout.url': 'http://localhost:3000/auth/backchannel-logout',
          'backchannel.logout.session.required': 'true',
          'backchannel.logout.revoke.offline.tokens': 'false',
          'token.endpoint.auth.signing.alg': 'ES256',
        },
      },
    });
    expect(actionsOf(changes)).toHaveLength(8); // the update of service-a, then one per scope link
  });

  it('creates missing clients, roles and users, and fixes users, role mappings and service-account roles', () => {
    const live = imported(file());
    live.clients['service-c'] = undefined;
    live.clients['service-b']!.roles = [];
    live.realmRoles = live.realmRoles.filter((r) => r.name !== 'orders-user');
    live.users.alice!.fields.email = 'mallory@example.test';
    live.users.alice!.realmRoles.push('admin');
    live.users.bob = undefined;
    live.serviceAccounts['service-a']!.clientRoles = {
      'service-b': [],
      'realm-management': ['manage-users'],
    };

    expect(lines(file(), live)).toEqual([
      '+ realm role orders-user',
      '+ client service-c',
      '+ client role service-b:process-orders',
      '~ user alice: email "mallory@example.test" → "alice@example.test"',
      '- user alice: realm role admin',
      '+ user bob (password from the file)',
      '+ service account of service-a: client role service-b:process-orders',
      '- service account of service-a: client role realm-management:manage-users',
    ]);
    const kinds = actionsOf(planChanges(file(), live)).map((a) => a.kind);
    expect(kinds).toEqual([
      'putRole',
      'createClient',
      'putRole',
      'updateUser',
      'userRole',
      'createUser',
      'userRole',
      'userRole',
    ]);
  });

  it('leaves passwords and secrets of existing users and clients alone unless asked, and never prints them', () => {
    // The file's service clients sign JWTs and hold no secret; one that authenticates with a secret is reset.
    const withSecret = (): RealmFile => {
      const f = file();
      f.clients![1] = {
        ...f.clients![1],
        clientAuthenticatorType: 'client-secret',
        secret: 'file-dev-secret',
      };
      return f;
    };
    const live = imported(withSecret());
    for (const client of Object.values(live.clients)) client!.secret = 'rotated-secret';
    expect(planChanges(withSecret(), live)).toEqual([]);

    const changes = planChanges(withSecret(), live, { resetPasswords: true, resetSecrets: true });
    expect(changes.map((c) => c.line)).toEqual([
      "~ client service-b: secret differs from the file's (reset to it)",
      "~ user alice: password reset to the file's",
      "~ user bob: password reset to the file's",
    ]);
    expect(changes[1].action).toEqual({
      kind: 'resetPassword',
      username: 'alice',
      password: 'alice-dev-password',
      temporary: false,
    });
    const text = changes.map((c) => c.line).join('\n');
    for (const secret of ['file-dev-secret', 'dev-password', 'rotated-secret'])
      expect(text).not.toContain(secret);
  });

  it('does not manage what the file leaves out: keys it omits, objects it does not name', () => {
    const f = file();
    delete f.clients![0].redirectUris;
    delete f.users![0].realmRoles;
    const live = imported(file());
    live.clients['service-a']!.fields.redirectUris = ['http://anything.test/'];
    live.users.alice!.realmRoles = [];
    expect(planChanges(f, live)).toEqual([]);
  });

  describe('authorization settings (Keycloak Authorization Services of a client)', () => {
    const serviceB = (live: LiveRealm) => live.clients['service-b']!;

    it("reports a client without them as one line, fixed by importing the file's settings", () => {
      const live = imported(file());
      delete serviceB(live).authorization;
      const changes = planChanges(file(), live);
      expect(changes.map((c) => c.line)).toEqual([
        '+ client service-b: authorization settings (1 resources, 6 policies)',
      ]);
      expect(changes[0].action).toMatchObject({ kind: 'importAuthorization', clientId: 'service-b' });
    });

    it('reports a changed policy, a missing one, a resource scope and a setting, each on one line, one import', () => {
      const live = imported(file());
      const authz = serviceB(live).authorization as {
        policyEnforcementMode: string;
        policies: { name: string; logic?: string; config?: Record<string, string> }[];
        resources: { scopes: { name: string }[] }[];
      };
      authz.policyEnforcementMode = 'PERMISSIVE';
      authz.policies = authz.policies.filter((p) => p.name !== 'read orders');
      authz.policies.find((p) => p.name === 'orders-user role')!.logic = 'NEGATIVE';
      authz.policies.find((p) => p.name === 'approve orders')!.config!.applyPolicies =
        '["service-a as a service"]';
      authz.resources[0].scopes = [{ name: 'read' }];
      const changes = planChanges(file(), live);
      expect(changes.map((c) => c.line)).toEqual([
        '~ client service-b: authorization policyEnforcementMode "PERMISSIVE" → "ENFORCING"',
        '+ client service-b: authorization resource "order": scope approve',
        '~ client service-b: authorization policy "orders-user role": logic "NEGATIVE" → "POSITIVE"',
        '+ client service-b: authorization policy "read orders"',
        '~ client service-b: authorization policy "approve orders": config.applyPolicies "[\\"service-a as a service\\"]" → "[\\"orders-user role\\", \\"service-a as a service\\"]"',
      ]);
      expect(actionsOf(changes)).toHaveLength(1);
    });

    it('leaves policies the file does not name alone', () => {
      const live = imported(file());
      (serviceB(live).authorization as { policies: object[] }).policies.push({ name: 'extra', type: 'user' });
      expect(planChanges(file(), live)).toEqual([]);
    });
  });
});

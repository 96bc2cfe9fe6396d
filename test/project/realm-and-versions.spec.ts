import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

interface Scope {
  name: string;
  attributes?: Record<string, string>;
  protocolMappers?: { protocolMapper: string; config: Record<string, string> }[];
}
interface Client {
  clientId: string;
  redirectUris?: string[];
  defaultClientScopes: string[];
  optionalClientScopes: string[];
  attributes?: Record<string, string>;
  serviceAccountsEnabled?: boolean;
}
const realm = JSON.parse(read('realm-export.json')) as {
  realm: string;
  clientScopes: Scope[];
  clients: Client[];
  users: {
    username: string;
    realmRoles?: string[];
    clientRoles?: Record<string, string[]>;
    serviceAccountClientId?: string;
  }[];
  roles: { client?: Record<string, { name: string }[]> };
};
const client = (id: string) => realm.clients.find((c) => c.clientId === id)!;
const scope = (name: string) => realm.clientScopes.find((s) => s.name === name)!;

describe('pinned Keycloak version', () => {
  it('docker-compose.yml runs the same Keycloak the local script downloads', () => {
    const version = read('keycloak.version').trim();
    expect(read('docker-compose.yml')).toMatch(
      new RegExp(`image: \\$\\{KEYCLOAK_IMAGE:-keycloak/keycloak:${version.replace(/\./g, '\\.')}\\}\\n`),
    );
  });
});

describe('realm-export.json (docs/realm.md)', () => {
  it('declares the basic scope, without which Keycloak puts no sub in access tokens', () => {
    expect(scope('basic').protocolMappers?.map((m) => m.protocolMapper)).toContain('oidc-sub-mapper');
  });

  it.each([
    ['service-b-audience', 'service-b'],
    ['service-c-audience', 'service-c'],
  ])('%s adds %s to aud of access tokens and introspection answers', (name, audience) => {
    const mapper = scope(name).protocolMappers?.find((m) => m.protocolMapper === 'oidc-audience-mapper');
    expect(mapper?.config).toMatchObject({
      'included.client.audience': audience,
      'access.token.claim': 'true',
      'introspection.token.claim': 'true',
    });
  });

  it.each(['orders.read', 'orders.approve', 'inventory.adjust', 'analytics.run'])(
    'permission scope %s is written into the token scope claim',
    (name) => {
      expect(scope(name).attributes?.['include.in.token.scope']).toBe('true');
    },
  );

  it("gives service-a service-b's audience and orders.read by default", () => {
    expect(client('service-a').defaultClientScopes).toEqual(
      expect.arrayContaining(['service-b-audience', 'orders.read']),
    );
    expect(client('service-a').serviceAccountsEnabled).toBe(true);
  });

  it("lets only service-b reach service-c's audience and analytics.run, on request, with standard token exchange", () => {
    const b = client('service-b');
    expect(b.optionalClientScopes).toEqual(expect.arrayContaining(['service-c-audience', 'analytics.run']));
    expect(b.attributes?.['standard.token.exchange.enabled']).toBe('true');
    for (const other of realm.clients.filter((c) => c.clientId !== 'service-b')) {
      expect([...other.defaultClientScopes, ...other.optionalClientScopes]).not.toContain(
        'service-c-audience',
      );
    }
  });

  it("keeps service-b's own permissions optional, so that its token for service-c carries them only when asked for", () => {
    const b = client('service-b');
    // Keycloak writes every default scope of the requester into an exchanged token: only profile (for the
    // username) is written into `scope`; basic and roles are not (include.in.token.scope false).
    expect(b.defaultClientScopes).toEqual(['basic', 'profile', 'roles']);
    expect(
      b.defaultClientScopes.filter((name) => scope(name).attributes?.['include.in.token.scope'] === 'true'),
    ).toEqual(['profile']);
    expect(b.optionalClientScopes).toEqual(expect.arrayContaining(['orders.approve', 'inventory.adjust']));
  });

  it('puts a client in aud only through its audience scope: no mapper adds the clients whose roles a user holds (e.g. account)', () => {
    const mappers = realm.clientScopes.flatMap((s) => s.protocolMappers ?? []).map((m) => m.protocolMapper);
    expect(mappers).not.toContain('oidc-audience-resolve-mapper');
    const audienceScopes = realm.clientScopes
      .filter((s) => s.protocolMappers?.some((m) => m.protocolMapper === 'oidc-audience-mapper'))
      .map((s) => s.name);
    expect(audienceScopes).toEqual(['service-b-audience', 'service-c-audience']);
  });

  it('has alice with orders-user and bob without it', () => {
    const roles = (name: string) => realm.users.find((u) => u.username === name)?.realmRoles ?? [];
    expect(roles('alice')).toContain('orders-user');
    expect(roles('bob')).not.toContain('orders-user');
  });

  it("lets service-a's service account (and no user) have orders processed through service-b's client role", () => {
    expect(realm.roles.client?.['service-b']?.map((r) => r.name)).toEqual(['process-orders']);
    const holders = realm.users.filter((u) => u.clientRoles?.['service-b']?.includes('process-orders'));
    expect(holders.map((u) => u.serviceAccountClientId)).toEqual(['service-a']);
  });

  it("sends service-a's logins back only to its callback: localhost:3000, or loopback on any port (RFC 8252)", () => {
    const a = client('service-a');
    expect(a.redirectUris).toEqual(['http://localhost:3000/auth/callback', 'http://127.0.0.1/auth/callback']);
    expect(a.redirectUris!.some((uri) => uri.includes('*'))).toBe(false);
    expect(a.attributes?.['pkce.code.challenge.method']).toBe('S256');
    expect(a.attributes?.['post.logout.redirect.uris']).toBe('http://localhost:3000/##http://127.0.0.1/');
  });
});

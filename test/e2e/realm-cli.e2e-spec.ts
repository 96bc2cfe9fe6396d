import type KcAdminClient from '@keycloak/keycloak-admin-client';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import {
  adminClient,
  claimsOf,
  clientAuthFields,
  ClientCredential,
  KEYCLOAK_URL,
  SIGNED_JWT,
  stacks,
  temporaryClient,
  USERS,
} from './support/keycloak';
import { freePort } from './support/service-process';

const ROOT = join(__dirname, '..', '..');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The realm file's jwks.url placeholders set to the jwt chain's services, as the e2e setup sets realm s2s's: the
 * throw-away realm's clients then read the keys the specs sign with.
 */
function jwksUrls(): Record<string, string> {
  const chain = stacks().jwt;
  return {
    SERVICE_A_JWKS_URL: `${chain['service-a']}/.well-known/jwks.json`,
    SERVICE_B_JWKS_URL: `${chain['service-b']}/.well-known/jwks.json`,
    SERVICE_C_JWKS_URL: `${chain['service-c']}/.well-known/jwks.json`,
  };
}

/** Runs `npm run realm -- <args>` the way npm does (without npm), with the admin of the test Keycloak. */
function realmCli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const { KEYCLOAK_ADMIN_USER: _u, KEYCLOAK_ADMIN_PASSWORD: _p, ...inherited } = process.env;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', '@swc-node/register', 'tools/realm-cli/src/main.ts', ...args],
      { cwd: ROOT, env: { ...inherited, KEYCLOAK_URL, ...jwksUrls(), ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

/** A token endpoint answer of the throw-away realm: the access token's claims, or the refusal. */
async function token(
  realm: string,
  clientId: string,
  secret: ClientCredential,
  form: Record<string, string>,
) {
  const res = await fetch(`${KEYCLOAK_URL}/realms/${realm}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...(await clientAuthFields(clientId, secret, realm)), ...form }),
  });
  const body = (await res.json()) as { access_token?: string; error?: string };
  return {
    status: res.status,
    error: body.error,
    claims: body.access_token ? claimsOf(body.access_token) : {},
  };
}

const lines = (text: string) => text.trim().split('\n');

/**
 * The realm CLI against the real Keycloak. Other e2e files use realm s2s at the same time, so every command here
 * works on a throw-away realm holding the file's content (`--realm`), deleted at the end.
 */
describe('realm CLI (npm run realm)', () => {
  const realm = `realm-cli-${Math.random().toString(36).slice(2, 8)}`;
  let admin: KcAdminClient;

  const find = async <T extends { id?: string }>(list: Promise<T[]>) => (await list)[0]!;
  const serviceA = () => find(admin.clients.find({ clientId: 'service-a' }));
  const user = (username: string) => find(admin.users.find({ username, exact: true }));

  beforeAll(async () => {
    admin = await adminClient();
    admin.setConfig({ realmName: realm });
  });

  afterAll(async () => {
    await admin?.realms.del({ realm }).catch(() => undefined);
  });

  it('apply creates a missing realm from the file, after which diff finds nothing and exits 0', async () => {
    const before = await realmCli(['diff', '--realm', realm]);
    expect(before.code).toBe(1);
    expect(lines(before.stdout)[0]).toBe(`+ realm ${realm} (created with everything in the file)`);

    const apply = await realmCli(['apply', '--realm', realm]);
    expect(apply).toMatchObject({ code: 0, stderr: '' });
    expect(apply.stdout).toContain(`applied 1 change to realm ${realm}`);

    const diff = await realmCli(['diff', '--realm', realm]);
    expect(diff).toMatchObject({ code: 0, stderr: '' });
    expect(diff.stdout).toContain(
      `no differences: realm ${realm} at ${KEYCLOAK_URL} matches realm-export.json`,
    );
  });

  it('diff reports each drift on one line and exits 1; apply fixes it; a second apply changes nothing', async () => {
    // Drift made through the admin API, as a person in the admin console would.
    const scope = (await admin.clientScopes.findOneByName({ name: 'service-b-audience' }))!;
    const mapper = scope.protocolMappers!.find((m) => m.name === 'audience service-b')!;
    await admin.clientScopes.updateProtocolMapper(
      { id: scope.id!, mapperId: mapper.id! },
      { ...mapper, config: { ...mapper.config, 'included.client.audience': 'service-c' } },
    );
    const a = await serviceA();
    const ordersRead = (await admin.clientScopes.findOneByName({ name: 'orders.read' }))!;
    await admin.clients.delDefaultClientScope({ id: a.id!, clientScopeId: ordersRead.id! });
    await admin.clients.update(
      { id: a.id! },
      { ...a, redirectUris: ['http://127.0.0.1/auth/callback', 'http://evil.test/cb'] },
    );
    const alice = await user('alice');
    const ordersUser = (await admin.roles.findOneByName({ name: 'orders-user' }))!;
    await admin.users.delRealmRoleMappings({
      id: alice.id!,
      roles: [{ id: ordersUser.id!, name: 'orders-user' }],
    });
    await admin.users.del({ id: (await user('bob')).id! });
    const serviceB = await find(admin.clients.find({ clientId: 'service-b' }));
    const processOrders = (await admin.clients.findRole({ id: serviceB.id!, roleName: 'process-orders' }))!;
    await admin.users.delClientRoleMappings({
      id: (await admin.clients.getServiceAccountUser({ id: a.id! })).id!,
      clientUniqueId: serviceB.id!,
      roles: [{ id: processOrders.id!, name: 'process-orders' }],
    });
    await admin.realms.update({ realm }, { accessTokenLifespan: 600 });

    const expected = [
      '~ realm: accessTokenLifespan 600 → 300',
      '~ client scope service-b-audience: mapper "audience service-b": config.included.client.audience "service-c" → "service-b"',
      '+ client service-a: redirectUris http://localhost:3000/auth/callback',
      '- client service-a: redirectUris http://evil.test/cb',
      '+ client service-a: default client scope orders.read',
      '+ user alice: realm role orders-user',
      '+ user bob (password from the file)',
      '+ service account of service-a: client role service-b:process-orders',
    ];
    const diff = await realmCli(['diff', '--realm', realm]);
    expect(diff.code).toBe(1);
    expect(lines(diff.stdout)).toEqual([
      ...expected,
      `8 differences between realm ${realm} at ${KEYCLOAK_URL} and realm-export.json (npm run realm -- apply fixes them)`,
    ]);

    const apply = await realmCli(['apply', '--realm', realm]);
    expect(apply).toMatchObject({ code: 0, stderr: '' });
    expect(lines(apply.stdout)).toEqual([
      ...expected,
      `applied 8 changes to realm ${realm} at ${KEYCLOAK_URL}`,
    ]);

    const again = await realmCli(['apply', '--realm', realm]);
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout.trim()).toBe(
      `no changes: realm ${realm} at ${KEYCLOAK_URL} already matches realm-export.json`,
    );
    expect((await realmCli(['diff', '--realm', realm])).code).toBe(0);

    // The repaired realm works: service-a's token is for service-b again, alice has her role, bob logs in.
    const serviceToken = await token(realm, 'service-a', SIGNED_JWT['service-a'], {
      grant_type: 'client_credentials',
    });
    expect(serviceToken.claims).toMatchObject({
      aud: 'service-b',
      scope: expect.stringContaining('orders.read'),
      resource_access: { 'service-b': { roles: ['process-orders'] } },
    });
    const password = (username: string, pw: string) =>
      token(realm, 'service-a', SIGNED_JWT['service-a'], { grant_type: 'password', username, password: pw });
    expect((await password('alice', USERS.alice)).claims).toMatchObject({
      realm_access: { roles: expect.arrayContaining(['orders-user']) },
    });
    expect((await password('bob', USERS.bob)).status).toBe(200);
  });

  it("diff and apply cover service-b's Authorization Services: a permission's policies and decision strategy", async () => {
    const b = await find(admin.clients.find({ clientId: 'service-b' }));
    const permission = await find(admin.clients.findPermissions({ id: b.id!, name: 'approve orders' }));
    const where = { id: b.id!, type: 'scope', permissionId: permission.id! };
    const serviceOnly = (await admin.clients.findPolicyByName({
      id: b.id!,
      name: 'service-a as a service',
    }))!;
    await admin.clients.updatePermission(where, {
      ...(await admin.clients.findOnePermission(where)),
      // The admin client's enum is not exported from its entry: its value, as the representation carries it.
      decisionStrategy: 'UNANIMOUS' as never,
      policies: [serviceOnly.id!],
    });

    const expected = [
      '~ client service-b: authorization policy "approve orders": decisionStrategy "UNANIMOUS" → "AFFIRMATIVE"',
      `~ client service-b: authorization policy "approve orders": config.applyPolicies "[\\"service-a as a service\\"]" → "[\\"orders-user role\\", \\"service-a as a service\\"]"`,
    ];
    const diff = await realmCli(['diff', '--realm', realm]);
    const apply = await realmCli(['apply', '--realm', realm]);
    expect(diff.code).toBe(1);
    expect(lines(diff.stdout).slice(0, -1)).toEqual(expected);
    expect(apply).toMatchObject({ code: 0, stderr: '' });
    expect(lines(apply.stdout)).toEqual([
      ...expected,
      `applied 2 changes to realm ${realm} at ${KEYCLOAK_URL}`,
    ]);
    expect((await realmCli(['diff', '--realm', realm])).code).toBe(0);
  });

  it("never resets an existing user's password unless asked with --reset-passwords", async () => {
    const alice = await user('alice');
    await admin.users.resetPassword({
      id: alice.id!,
      credential: { type: 'password', value: 'alice-changed-password', temporary: false },
    });
    expect((await realmCli(['apply', '--realm', realm])).stdout).toContain('no changes');
    const login = (pw: string) =>
      token(realm, 'service-a', SIGNED_JWT['service-a'], {
        grant_type: 'password',
        username: 'alice',
        password: pw,
      });
    expect((await login('alice-changed-password')).status).toBe(200);

    const reset = await realmCli(['apply', '--realm', realm, '--reset-passwords']);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toContain("~ user alice: password reset to the file's");
    expect(reset.stdout).not.toContain(USERS.alice);
    expect((await login(USERS.alice)).status).toBe(200);
    // The changed password is gone: alice has one password credential, the file's. Not checked by trying the old
    // password: Keycloak's brute-force detection then locked out alice of realm s2s too (seen in CI), failing the
    // tests that log her in at the same time.
    const credentials = await admin.users.getCredentials({ id: alice.id! });
    expect(credentials.filter((c) => c.type === 'password')).toHaveLength(1);
  });

  it('rotate-secret prints the new secret once, on stdout; the old secret stops working, the new one works', async () => {
    // The file's service clients sign JWTs: rotate-secret is for a client that authenticates with a secret.
    const refused = await realmCli(['rotate-secret', 'service-a', '--realm', realm]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `client service-a in realm ${realm} does not authenticate with a client secret`,
    );
    const client = await temporaryClient(admin, 'realm-cli-secret-client', []);
    try {
      const rotate = await realmCli(['rotate-secret', 'realm-cli-secret-client', '--realm', realm]);
      expect(rotate).toMatchObject({ code: 0, stderr: '' });
      const out = lines(rotate.stdout);
      expect(out).toHaveLength(3);
      const secret = out[1];
      expect(secret).toMatch(/^\S{20,}$/);
      expect(out[2]).toContain("realm-cli-secret-client's CLIENT_SECRET environment variable");
      expect(rotate.stdout.split(secret)).toHaveLength(2); // printed once
      expect(secret).not.toBe(client.secret);

      const credentials = (s: string) =>
        token(realm, 'realm-cli-secret-client', s, { grant_type: 'client_credentials' });
      expect(await credentials(client.secret)).toMatchObject({ status: 401, error: 'unauthorized_client' });
      expect((await credentials(secret)).status).toBe(200);
      // A client the file does not name is not drift.
      expect((await realmCli(['diff', '--realm', realm, '--reset-secrets'])).code).toBe(0);
    } finally {
      await client.remove();
    }
  });

  it('apply --overlay deploy/realm-kubernetes.json adds the Kubernetes provider and moves the clients to federated-jwt; without it, diff shows the move', async () => {
    const overlay = ['--overlay', 'deploy/realm-kubernetes.json'];
    const apply = await realmCli(['apply', '--realm', realm, ...overlay]);
    expect(apply).toMatchObject({ code: 0, stderr: '' });
    expect(lines(apply.stdout)).toContain('+ identity provider kubernetes (kubernetes)');
    expect(lines(apply.stdout)).toContain(
      '~ client service-b: clientAuthenticatorType "client-jwt" → "federated-jwt"',
    );
    const provider = await admin.identityProviders.findOne({ alias: 'kubernetes' });
    expect(provider).toMatchObject({
      providerId: 'kubernetes',
      config: { issuer: 'https://kubernetes.default.svc.cluster.local' },
    });
    expect((await serviceA()).attributes?.['jwt.credential.sub']).toBe(
      'system:serviceaccount:keycloak-s2s:service-a',
    );
    // The secret Keycloak still stores is no credential any more: the federated authenticator refuses it.
    const stored = (await admin.clients.getClientSecret({ id: (await serviceA()).id! })).value!;
    expect(stored).toMatch(/^.{16,}$/);
    const refused = await token(realm, 'service-a', stored, { grant_type: 'client_credentials' });
    expect(refused).toMatchObject({ status: 401, error: 'invalid_client' });

    expect(await realmCli(['diff', '--realm', realm, ...overlay])).toMatchObject({ code: 0 });
    const plain = await realmCli(['diff', '--realm', realm]);
    expect(plain.code).toBe(1);
    expect(lines(plain.stdout).slice(0, -1)).toEqual(
      ['service-a', 'service-b', 'service-c'].map(
        (c) => `~ client ${c}: clientAuthenticatorType "federated-jwt" → "client-jwt"`,
      ),
    );
  });

  it('errors are one readable line on stderr with exit code 2: unknown client, bad credentials, no Keycloak', async () => {
    const unknown = await realmCli(['rotate-secret', 'no-such-client', '--realm', realm]);
    expect(unknown).toEqual({
      code: 2,
      stdout: '',
      stderr: `realm: no client no-such-client in realm ${realm}\n`,
    });

    const badLogin = await realmCli(['diff', '--realm', realm], {
      KEYCLOAK_ADMIN_USER: 'admin',
      KEYCLOAK_ADMIN_PASSWORD: 'not-the-password',
    });
    expect(badLogin.code).toBe(2);
    expect(lines(badLogin.stderr)).toEqual([
      `realm: Keycloak at ${KEYCLOAK_URL} refused the admin login of "admin" (invalid_grant): check KEYCLOAK_ADMIN_USER / KEYCLOAK_ADMIN_PASSWORD`,
    ]);

    const nobody = `http://127.0.0.1:${await freePort()}`;
    const down = await realmCli(['apply', '--realm', realm], { KEYCLOAK_URL: nobody });
    expect(down.code).toBe(2);
    expect(lines(down.stderr)).toEqual([`realm: cannot reach Keycloak at ${nobody} (ECONNREFUSED)`]);
  });
});

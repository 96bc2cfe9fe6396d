import type { Hop } from '@app/chain';
import type KcAdminClient from '@keycloak/keycloak-admin-client';
import { CookieJar, logIn, request } from './support/bff';
import { adminClient, KEYCLOAK_URL, stacks, temporaryUser } from './support/keycloak';
import { expectOneScopePerHop } from './support/least-privilege';
import { RunningService, startService } from './support/service-process';

/** Access tokens of the throw-away BFF client live this long, so renewal happens within the test. */
const LIFESPAN_SEC = 8;
const ORDER = { order_id: 1, amount: 1 };

/**
 * service-a's session over time, against the real Keycloak: a copy of service-a runs as a throw-away client whose
 * access tokens live 8 s, for a throw-away user (so nothing here disturbs the other tests' alice and bob).
 */
describe('service-a session: refresh before expiry, and the end of the Keycloak session', () => {
  const suffix = Math.random().toString(36).slice(2, 8);
  const clientId = `bff-session-${suffix}`;
  const username = `carol-${suffix}`;
  const password = `carol-${suffix}-password`;
  let admin: KcAdminClient;
  let clientUuid: string;
  let userId: string;
  let bff: RunningService;

  beforeAll(async () => {
    admin = await adminClient();
    ({ id: clientUuid } = await admin.clients.create({
      clientId,
      secret: `${clientId}-secret`,
      publicClient: false,
      standardFlowEnabled: true,
      serviceAccountsEnabled: true,
      redirectUris: ['http://127.0.0.1/auth/callback'],
      attributes: {
        'access.token.lifespan': String(LIFESPAN_SEC),
        'pkce.code.challenge.method': 'S256',
        'post.logout.redirect.uris': 'http://127.0.0.1/',
      },
      defaultClientScopes: ['basic', 'profile', 'email', 'roles', 'service-b-audience', 'orders.read'],
    }));
    ({ id: userId } = await temporaryUser(admin, username, password));
    const role = await admin.roles.findOneByName({ name: 'orders-user' });
    await admin.users.addRealmRoleMappings({ id: userId, roles: [{ id: role!.id!, name: role!.name! }] });
    bff = await startService('service-a', {
      KEYCLOAK_URL,
      CLIENT_ID: clientId,
      // This throw-away client has a secret: service-a's BFF on the documented client_secret_basic option.
      CLIENT_AUTH_METHOD: 'client_secret_basic',
      CLIENT_SECRET: `${clientId}-secret`,
      SERVICE_B_URL: stacks().jwt['service-b'],
    });
  });

  afterAll(async () => {
    await bff?.stop();
    if (userId) await admin.users.del({ id: userId });
    if (clientUuid) await admin.clients.del({ id: clientUuid });
  });

  async function callAsUser(jar: CookieJar) {
    const res = await request(jar, `${bff.url}/api/chain/user`, { method: 'POST', json: ORDER });
    return { status: res.status, body: (await res.json()) as { hops?: Hop[]; error?: string } };
  }

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

  it('renews the access token with the refresh token before it expires: no failed call across expiry', async () => {
    const jar = await logIn(bff.url, username, password);
    const first = await callAsUser(jar);
    expect(first.status).toBe(200);
    const firstExp = first.body.hops![0].exp;
    expect(first.body.hops![0].preferred_username).toBe(username);
    expectOneScopePerHop(first.body.hops!, 'user');

    // Calls keep succeeding across the first token's expiry; after it, service-b sees a newer token.
    const deadline = Date.now() + (LIFESPAN_SEC + 2) * 1000;
    const statuses: number[] = [];
    let lastExp = firstExp;
    while (Date.now() < deadline) {
      const next = await callAsUser(jar);
      statuses.push(next.status);
      if (next.status === 200) lastExp = next.body.hops![0].exp;
      await sleep(500);
    }
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(lastExp).toBeGreaterThan(firstExp);
  });

  it("once Keycloak ends the user's session (admin logout), the next renewal fails and the user must log in again", async () => {
    const jar = await logIn(bff.url, username, password);
    expect((await callAsUser(jar)).status).toBe(200);
    await admin.users.logout({ id: userId });

    // jwt mode at service-b: the current access token stays valid until it expires or is renewed (README).
    await sleep(LIFESPAN_SEC * 1000);
    const after = await callAsUser(jar);
    expect(after.status).toBe(401);
    expect(after.body.error).toBe('login_required');
    // The session is gone at service-a too: logging in again is the only way back.
    expect((await callAsUser(jar)).status).toBe(401);
    const again = await logIn(bff.url, username, password);
    expect((await callAsUser(again)).status).toBe(200);
  });

  it('never writes a token or the password into its log', () => {
    const log = bff.output();
    expect(log).toContain('listening on');
    expect(log).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
    expect(log).not.toContain(password);
  });
});

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createClient } from '@redis/client';
import type KcAdminClient from '@keycloak/keycloak-admin-client';
import { generateKeyPair, SignJWT } from 'jose';
import { logIn } from './support/bff';
import { signedJwtEnv } from './support/client-keys';
import { adminClient, KEYCLOAK_URL, REALM, stacks, temporaryUser, USERS } from './support/keycloak';
import { freePort, RunningService, startService } from './support/service-process';

// service-a's sessions in a real Redis (Debian's redis-server, started by scripts/redis.mjs as `npm run
// stack:cluster` does): two replicas share them, the tokens in Redis are encrypted, a Redis outage is a clear 503
// on the session routes only, and Redis coming back (its data kept) needs no restart of service-a.

interface Redis {
  url: string;
  stop: () => Promise<void>;
}
type StartRedis = (options: { port: number; name: string; fresh?: boolean }) => Promise<Redis>;

const ORDER = { order_id: 31, amount: 7 };
const KEY_OLD = randomBytes(32).toString('base64');
const KEY_NEW = randomBytes(32).toString('base64');
let startRedis: StartRedis;
let redis: Redis;
let redisPort: number;
const replicas: RunningService[] = [];
let publicUrl: string;

/** A replica of service-a on Redis; all of them serve one public address (as behind a load balancer). */
async function replica(
  keys: string,
  client: { id: string; secret?: string } = { id: 'service-a' },
  port?: number,
): Promise<RunningService> {
  port ??= await freePort();
  publicUrl ??= `http://127.0.0.1:${port}`;
  const started = await startService(
    'service-a',
    {
      KEYCLOAK_URL,
      CLIENT_ID: client.id,
      // The realm's service-a signs a JWT with its e2e keys; a throw-away client has a secret.
      ...(client.secret === undefined ? signedJwtEnv(client.id) : { CLIENT_SECRET: client.secret }),
      SERVICE_B_URL: stacks().jwt['service-b'],
      PUBLIC_URL: publicUrl,
      SESSION_STORE: 'redis',
      REDIS_URL: redis.url,
      SESSION_ENCRYPTION_KEYS: keys,
    },
    { port },
  );
  replicas.push(started);
  return started;
}

/** The chain as the session's user, at `at`, with the session cookie made elsewhere. */
async function asUser(at: RunningService, cookie: string) {
  const res = await fetch(`${at.url}/api/chain/user`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: publicUrl, cookie: `s2s_session=${cookie}` },
    body: JSON.stringify(ORDER),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  ({ startRedis } = (await import(join(__dirname, '..', '..', 'scripts', 'redis.mjs'))) as {
    startRedis: StartRedis;
  });
  redisPort = await freePort();
  redis = await startRedis({ port: redisPort, name: 'e2e-sessions', fresh: true });
}, 30_000);

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
  await redis?.stop();
});

describe('sessions in Redis', () => {
  let first: RunningService;
  let second: RunningService;
  let cookie: string;

  beforeAll(async () => {
    [first, second] = await Promise.all([replica(KEY_OLD), replica(KEY_OLD)]);
    // The login goes through the first replica (its PUBLIC_URL is the shared address).
    const jar = await logIn(first.url, 'alice', USERS.alice);
    cookie = jar.get(first.url, 's2s_session')!;
    expect(cookie).toBeDefined();
  }, 90_000);

  it('a session made through one replica works through the other', async () => {
    const res = await asUser(second, cookie);
    expect(res.status).toBe(200);
    expect((res.body.hops as { preferred_username: string }[])[0].preferred_username).toBe('alice');
  });

  it('holds the tokens encrypted, under the hash of the session id, expiring with the idle timeout', async () => {
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      const keys = await raw.keys('s2s:session:*');
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        expect(key).not.toContain(cookie);
        const value = (await raw.get(key)) ?? '';
        expect(value).toMatch(/^v1\./);
        expect(value).not.toMatch(/eyJ/); // no JWT (access, refresh or ID token) in clear
        expect(value).not.toContain('alice');
        const ttl = await raw.ttl(key);
        expect(ttl).toBeGreaterThan(1700);
        expect(ttl).toBeLessThanOrEqual(1800);
      }
    } finally {
      await raw.close();
    }
  });

  it('Redis down: the session routes answer 503 session_store_unavailable, the service-identity routes 200', async () => {
    await redis.stop();
    const res = await asUser(second, cookie);
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ error: 'session_store_unavailable' });
    expect(JSON.stringify(res.body)).not.toMatch(/redis:\/\//);
    expect((await fetch(`${second.url}/run-service-b`)).status).toBe(200);
    const page = await fetch(`${first.url}/`, { headers: { cookie: `s2s_session=${cookie}` } });
    expect(page.status).toBe(200); // the page renders, without the user
  });

  it('Redis back with its data: the same session works again, without restarting service-a', async () => {
    redis = await startRedis({ port: redisPort, name: 'e2e-sessions' });
    const deadline = Date.now() + 10_000;
    let res = await asUser(second, cookie);
    while (res.status === 503 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      res = await asUser(second, cookie);
    }
    expect(res.status).toBe(200);
    expect((res.body.hops as { preferred_username: string }[])[0].preferred_username).toBe('alice');
  }, 20_000);

  it('key rotation: a replica with the new key first and the old one second still reads the session', async () => {
    const rotated = await replica(`${KEY_NEW},${KEY_OLD}`);
    expect((await asUser(rotated, cookie)).status).toBe(200);
    // A replica with only a key that never wrote it sees no session (401 login_required), not an error.
    const stranger = await replica(randomBytes(32).toString('base64'));
    const res = await asUser(stranger, cookie);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'login_required' });
  }, 60_000);
});

describe('OIDC Back-Channel Logout: a logout at Keycloak ends the session on every replica', () => {
  const suffix = randomBytes(3).toString('hex');
  const client = { id: `bcl-${suffix}`, secret: `bcl-${suffix}-secret` };
  const username = `dana-${suffix}`;
  const password = randomBytes(12).toString('hex');
  let admin: KcAdminClient;
  let clientUuid: string;
  let user: { id: string; remove: () => Promise<void> };
  let receiving: RunningService;
  let other: RunningService;
  let cookie: string;

  beforeAll(async () => {
    admin = await adminClient();
    const port = await freePort();
    ({ id: clientUuid } = await admin.clients.create({
      clientId: client.id,
      secret: client.secret,
      publicClient: false,
      standardFlowEnabled: true,
      redirectUris: ['http://127.0.0.1/auth/callback'],
      attributes: {
        'pkce.code.challenge.method': 'S256',
        // Where Keycloak posts the logout token: one replica; the store it ends sessions in is shared.
        'backchannel.logout.url': `http://127.0.0.1:${port}/auth/backchannel-logout`,
        'backchannel.logout.session.required': 'true',
      },
      defaultClientScopes: ['basic', 'profile', 'email', 'roles', 'service-b-audience', 'orders.read'],
    }));
    user = await temporaryUser(admin, username, password);
    const role = await admin.roles.findOneByName({ name: 'orders-user' });
    await admin.users.addRealmRoleMappings({ id: user.id, roles: [{ id: role!.id!, name: role!.name! }] });
    publicUrl = `http://127.0.0.1:${port}`;
    [receiving, other] = await Promise.all([replica(KEY_OLD, client, port), replica(KEY_OLD, client)]);
    const jar = await logIn(receiving.url, username, password);
    cookie = jar.get(receiving.url, 's2s_session')!;
  }, 90_000);

  afterAll(async () => {
    await user?.remove();
    if (clientUuid) await admin.clients.del({ id: clientUuid });
  });

  const postLogoutToken = (token: string) =>
    fetch(`${other.url}/auth/backchannel-logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: token }),
    });

  it('a forged logout token (a key the realm never had) is 400 and ends nothing', async () => {
    expect((await asUser(other, cookie)).status).toBe(200);
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({
      sub: 'anyone',
      events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'logout+jwt' })
      .setIssuer(`${KEYCLOAK_URL}/realms/${REALM}`)
      .setAudience(client.id)
      .setIssuedAt()
      .setJti(randomBytes(8).toString('hex'))
      .sign(privateKey);
    const res = await postLogoutToken(forged);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
    expect((await asUser(other, cookie)).status).toBe(200);
  });

  it('the admin logs the user out at Keycloak: within a second the session is gone on the other replica', async () => {
    await admin.users.logout({ id: user.id });
    const loggedOutAt = Date.now();
    let res = await asUser(other, cookie);
    while (res.status === 200 && Date.now() - loggedOutAt < 1_000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      res = await asUser(other, cookie);
    }
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'login_required' });
    expect(Date.now() - loggedOutAt).toBeLessThanOrEqual(1_000);
  });
});

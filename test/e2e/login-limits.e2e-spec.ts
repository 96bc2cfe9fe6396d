import { randomBytes } from 'node:crypto';
import type KcAdminClient from '@keycloak/keycloak-admin-client';
import { CountingProxy, startCountingProxy } from '../../bench/keycloak-proxy/counting-proxy';
import { post } from './support/http';
import { signedJwtEnv } from './support/client-keys';
import {
  adminClient,
  clientAuthFields,
  KEYCLOAK_URL,
  REALM,
  SIGNED_JWT,
  temporaryUser,
  tokenUrl,
} from './support/keycloak';
import { RunningService, startService } from './support/service-process';

// service-a's limits on its login routes, against the real Keycloak through a counting proxy: a refused attempt
// never reaches Keycloak, and the per-username limit stops before the realm's brute-force protection locks the user.

const ISSUER = `${KEYCLOAK_URL}/realms/${REALM}`;
let admin: KcAdminClient;
let proxy: CountingProxy;
const removals: Array<() => Promise<void>> = [];

/** A throw-away user of the demo realm with a random password (never alice or bob). */
async function throwAwayUser(): Promise<{ username: string; password: string }> {
  const username = `limits-${randomBytes(4).toString('hex')}`;
  const password = randomBytes(16).toString('hex');
  const { remove } = await temporaryUser(admin, username, password);
  removals.push(remove);
  return { username, password };
}

/** A service-a of this file's own, reaching Keycloak through the proxy. */
function serviceA(env: Record<string, string>): Promise<RunningService> {
  return startService('service-a', {
    KEYCLOAK_URL: proxy.url,
    KEYCLOAK_ISSUER: ISSUER,
    CLIENT_ID: 'service-a',
    ...signedJwtEnv('service-a'),
    SERVICE_B_URL: 'http://127.0.0.1:1',
    ENABLE_PASSWORD_GRANT: 'true',
    ...env,
  });
}

const passwordGrants = () => proxy.counts().token_other;
const login = (service: RunningService, username: string, password: string) =>
  fetch(`${service.url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });

beforeAll(async () => {
  admin = await adminClient();
  proxy = await startCountingProxy(KEYCLOAK_URL);
}, 60_000);

afterAll(async () => {
  for (const remove of removals) await remove();
  await proxy?.stop();
});

describe('the password grant, per username', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await serviceA({ LOGIN_RATE_LIMIT: '1000' });
  }, 60_000);
  afterAll(() => service?.stop());

  it('why: two wrong passwords straight at Keycloak within a second lock the user, even for the right one', async () => {
    const { username, password } = await throwAwayUser();
    const direct = async (pw: string) =>
      fetch(tokenUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          ...(await clientAuthFields('service-a', SIGNED_JWT['service-a'])),
          grant_type: 'password',
          username,
          password: pw,
        }),
      });
    expect((await direct('wrong-1')).status).toBe(400);
    expect((await direct('wrong-2')).status).toBe(400);
    const locked = await direct(password);
    expect(locked.status).toBe(400);
    expect(await locked.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('two wrong passwords at once: one reaches Keycloak (400), the other is 429 with Retry-After; the user is not locked', async () => {
    const { username, password } = await throwAwayUser();
    const before = passwordGrants();
    const answers = await Promise.all([
      login(service, username, 'wrong-1'),
      login(service, username, 'wrong-2'),
    ]);
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([400, 429]);
    const refused = answers.find((a) => a.status === 429)!;
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({
      statusCode: 429,
      error: 'too_many_requests',
      retry_after: 1,
    });
    expect(passwordGrants() - before).toBe(1);

    // Right after the failure: refused here, not sent to Keycloak (whose quick-login check would lock the user).
    expect((await login(service, username, password)).status).toBe(429);
    expect(passwordGrants() - before).toBe(1);

    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const ok = await login(service, username, password);
    expect(ok.status).toBe(200);
    expect(passwordGrants() - before).toBe(2);
  });

  it('counts usernames without regard to case, as Keycloak matches them', async () => {
    const { username } = await throwAwayUser();
    const before = passwordGrants();
    expect((await login(service, username, 'wrong')).status).toBe(400);
    const upper = await login(service, username.toUpperCase(), 'wrong');
    expect(upper.status).toBe(429);
    expect(passwordGrants() - before).toBe(1);
  });
});

describe('the login routes, per client address', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await serviceA({ LOGIN_RATE_LIMIT: '4' });
  }, 60_000);
  afterAll(() => service?.stop());

  it('past LOGIN_RATE_LIMIT a minute: 429 with Retry-After, across /auth/login and /auth/token, nothing sent to Keycloak', async () => {
    const before = proxy.counts();
    const logins = [];
    for (let i = 0; i < 3; i++)
      logins.push((await fetch(`${service.url}/auth/login`, { redirect: 'manual' })).status);
    expect(logins).toEqual([302, 302, 302]);
    const fourth = await post(`${service.url}/auth/token`, { username: 'nobody-limits', password: 'x' });
    expect(fourth.status).toBe(400);
    const fifth = await fetch(`${service.url}/auth/login`, { redirect: 'manual' });
    expect(fifth.status).toBe(429);
    const retryAfter = Number(fifth.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await fifth.json()).toMatchObject({
      statusCode: 429,
      error: 'too_many_requests',
      retry_after: retryAfter,
    });
    const sixth = await post(`${service.url}/auth/token`, { username: 'nobody-limits', password: 'x' });
    expect(sixth.status).toBe(429);
    expect(proxy.counts().token_other - before.token_other).toBe(1);
    // The service's own routes are not limited: the chain and the page still answer.
    expect((await fetch(`${service.url}/health/live`)).status).toBe(200);
  });
});

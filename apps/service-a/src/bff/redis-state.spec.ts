import { randomUUID } from 'node:crypto';
import { SharedRedis, StoreUnavailableException, TooManyRequestsException } from '@app/service-runtime';
import { RedisReplayStore } from 'nest-keycloak-s2s/redis';
import { startTestRedis, TestRedis } from '../../../../test/support/redis-server';
import { BadRequestException } from '@nestjs/common';
import { LocalIdp } from 'nest-keycloak-s2s/testing';
import { createRemoteJWKSet } from 'jose';
import { BACKCHANNEL_LOGOUT_EVENT, BackchannelLogout } from './backchannel-logout';
import { MAX_FAILURES, PasswordAttemptLimiter, RedisAttemptBook } from './password-attempts';
import { MemorySessionStore, newSessionId, Session } from './session.store';
import { RedisSessionStore } from './redis-session.store';
import { SessionCipher } from './session-cipher';
import { RedisThrottlerStorage } from './redis-throttler.storage';

// service-a's login limits, logout tokens and sessions with Redis (a real redis-server, scripts/redis.mjs): two
// replicas share one limit per username and one per address, a logout token is taken once, a session is one for
// both, and with Redis gone a login, a logout or a session call is refused (503), never let through unchecked.

const WRONG = new Error('invalid_grant');
let redis: TestRedis;
/** Each replica's connection, as service-a makes it (SharedRedis: fails fast, waits out a restart). */
let clients: SharedRedis[];
const keys = async (pattern: string) => (await clients[0].sendCommand(['KEYS', pattern])) as string[];
const cipher = SessionCipher.fromConfig(Buffer.alloc(32, 7).toString('base64'));
/** Each replica's session store, on its shared connection. */
const sessionStores = () => clients.map((c) => new RedisSessionStore(c, cipher, 1800));
const aliceSession = (sid = randomUUID()): Session => ({
  id: newSessionId(),
  user: { sub: `alice-${sid}`, username: 'alice', sid },
  tokens: { accessToken: 'eyJ.access', renewAt: Date.now() + 60_000, expiresAt: Date.now() + 90_000 },
});
/** A session call refused as the route answers it: 503 `session_store_unavailable`. */
const expectSessionStoreUnavailable = async (call: Promise<unknown>) => {
  const error = await call.catch((e: unknown) => e);
  expect((error as { getStatus?: () => number }).getStatus?.()).toBe(503);
  expect((error as { getResponse: () => unknown }).getResponse()).toMatchObject({
    error: 'session_store_unavailable',
  });
};

beforeAll(async () => {
  redis = await startTestRedis('unit-login-limits');
  clients = [new SharedRedis(redis.url), new SharedRedis(redis.url)];
  for (const client of clients) await client.sendCommand(['PING']);
}, 30_000);

afterAll(async () => {
  for (const client of clients ?? []) await client.close();
  await redis?.stop();
});

describe('PasswordAttemptLimiter on Redis, two replicas', () => {
  let now: number;
  let sent: number;
  let replicas: PasswordAttemptLimiter[];

  beforeEach(() => {
    now = Date.now();
    sent = 0;
    replicas = clients.map((c) => new PasswordAttemptLimiter(() => now, new RedisAttemptBook(c)));
  });

  const attempt = (replica: PasswordAttemptLimiter, username: string, ok: boolean) =>
    replica.run(
      username,
      async () => {
        sent += 1;
        if (!ok) throw WRONG;
        return 'tokens';
      },
      (error) => error === WRONG,
    );

  it(`stops guesses spread over both replicas at ${MAX_FAILURES} failures, then 429 with the window's Retry-After`, async () => {
    const user = `carol-${randomUUID()}`;
    for (let i = 0; i < MAX_FAILURES; i++) {
      await expect(attempt(replicas[i % 2], user, false)).rejects.toBe(WRONG);
      now += 1_000;
    }
    for (const replica of replicas) {
      const refused = await attempt(replica, user.toUpperCase(), true).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(TooManyRequestsException);
      expect((refused as TooManyRequestsException).retryAfterSec).toBe(12 * 3600 - MAX_FAILURES);
    }
    expect(sent).toBe(MAX_FAILURES);
    const stored = await keys('s2s:service-a:password-attempts:*');
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.some((key) => key.includes('carol'))).toBe(false);
  });

  it('refuses a second attempt at the other replica while one is under way, and one within a second of a failure', async () => {
    const user = `dave-${randomUUID()}`;
    let release!: () => void;
    const pending = replicas[0].run(
      user,
      () => new Promise<string>((r) => (release = () => r('tokens'))),
      () => false,
    );
    await new Promise((r) => setTimeout(r, 50));
    const busy = await attempt(replicas[1], user, true).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(TooManyRequestsException);
    release();
    await expect(pending).resolves.toBe('tokens');
    await expect(attempt(replicas[1], user, false)).rejects.toBe(WRONG);
    now += 500;
    expect(await attempt(replicas[0], user, true).catch((e: unknown) => e)).toBeInstanceOf(
      TooManyRequestsException,
    );
    now += 600;
    await expect(attempt(replicas[0], user, true)).resolves.toBe('tokens');
  });
});

describe('RedisThrottlerStorage, two replicas', () => {
  it('counts one window for both: the hit past the limit is blocked until the window ends', async () => {
    const prefix = `test-login-rate-${randomUUID()}:`;
    const [one, two] = clients.map((c) => new RedisThrottlerStorage(c, prefix));
    const key = 'address-hash';
    for (let i = 1; i <= 4; i++) {
      const record = await (i % 2 ? one : two).increment(key, 60_000, 4, 60_000, 'login-address');
      expect(record).toMatchObject({ totalHits: i, isBlocked: false, timeToBlockExpire: 0 });
    }
    const blocked = await two.increment(key, 60_000, 4, 60_000, 'login-address');
    expect(blocked).toMatchObject({ totalHits: 5, isBlocked: true, timeToBlockExpire: 60, timeToExpire: 60 });
  });
});

describe('RedisSessionStore on the shared connection, two replicas', () => {
  it("reads at one replica the session the other wrote, encrypted under its id's hash, expiring when idle", async () => {
    const [one, two] = sessionStores();
    const session = aliceSession();
    await one.set(session);
    expect(await two.get(session.id)).toEqual(session);
    const stored = await keys('s2s:session:*');
    expect(stored.some((key) => key.includes(session.id))).toBe(false);
    for (const key of stored) {
      const value = (await clients[0].sendCommand(['GET', key])) as string;
      expect(value).toMatch(/^v1\./);
      expect(value).not.toContain('eyJ');
      const ttl = Number(await clients[0].sendCommand(['TTL', key]));
      expect(ttl).toBeGreaterThan(1790);
      expect(ttl).toBeLessThanOrEqual(1800);
    }
    await two.delete(session.id);
    expect(await one.get(session.id)).toBeUndefined();
  });

  it('ends at one replica every session of a Keycloak session or of a user the other wrote, and only those', async () => {
    const [one, two] = sessionStores();
    const sid = randomUUID();
    const first = aliceSession(sid);
    const second = { ...aliceSession(sid), user: first.user };
    const other = aliceSession();
    await Promise.all([one.set(first), two.set(second), one.set(other)]);
    await expect(two.deleteByKeycloakSession(sid)).resolves.toBe(2);
    expect(await one.get(first.id)).toBeUndefined();
    expect(await one.get(second.id)).toBeUndefined();
    expect(await one.get(other.id)).toEqual(other);
    await expect(two.deleteBySubject(other.user!.sub)).resolves.toBe(1);
    expect(await one.get(other.id)).toBeUndefined();
    await expect(one.deleteBySubject(other.user!.sub)).resolves.toBe(0);
  });

  it('treats an entry another key wrote as no session', async () => {
    const session = aliceSession();
    await sessionStores()[0].set(session);
    const stranger = new RedisSessionStore(
      clients[1],
      SessionCipher.fromConfig(Buffer.alloc(32, 9).toString('base64')),
      1800,
    );
    expect(await stranger.get(session.id)).toBeUndefined();
  });
});

describe('BackchannelLogout on Redis, two replicas', () => {
  let idp: LocalIdp;
  let replicas: BackchannelLogout[];
  let sessions: MemorySessionStore;

  beforeAll(async () => {
    idp = await LocalIdp.start();
    const options = idp.options({ clientId: 'service-a', audience: 'service-a' });
    const keys = new Map([[options.home.issuer, createRemoteJWKSet(new URL(options.home.endpoints.jwks))]]);
    sessions = new MemorySessionStore(1800);
    replicas = clients.map(
      (c) =>
        new BackchannelLogout(
          options,
          keys,
          sessions,
          new RedisReplayStore(c, { prefix: 'test-logout-jti:' }),
        ),
    );
  });
  afterAll(() => idp?.stop());

  const logoutToken = () =>
    idp.issue({
      aud: 'service-a',
      azp: undefined,
      typ: 'Logout',
      scope: undefined,
      sub: 'alice',
      sid: 'kc-1',
      jti: randomUUID(),
      events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
    });

  it('refuses at one replica a logout token the other took (400 replayed), ending nothing more', async () => {
    await sessions.set({ id: 's1', user: { sub: 'alice', username: 'alice', sid: 'kc-1' } });
    const token = await logoutToken();
    await expect(replicas[0].logOut(token)).resolves.toBe(1);
    await sessions.set({ id: 's2', user: { sub: 'alice', username: 'alice', sid: 'kc-1' } });
    const replayed = await replicas[1].logOut(token).catch((e: unknown) => e);
    expect(replayed).toBeInstanceOf(BadRequestException);
    expect((replayed as BadRequestException).getResponse()).toMatchObject({
      message: 'logout token replayed',
    });
    expect(await sessions.get('s2')).toBeDefined();
  });

  it('with Redis stopped: 503 store_unavailable, nothing ended; Redis back: the same token ends the session', async () => {
    await sessions.set({ id: 's3', user: { sub: 'alice', username: 'alice', sid: 'kc-1' } });
    const token = await logoutToken();
    await redis.stop();
    try {
      expect(await replicas[1].logOut(token).catch((e: unknown) => e)).toBeInstanceOf(
        StoreUnavailableException,
      );
      expect(await sessions.get('s3')).toBeDefined();
    } finally {
      await redis.start();
    }
    await expect(replicas[1].logOut(token)).resolves.toBeGreaterThanOrEqual(1);
    expect(await sessions.get('s3')).toBeUndefined();
  }, 30_000);
});

describe('with Redis restarted', () => {
  it('waits out a quick restart: a login sent while the connection is down goes through, nothing refused', async () => {
    const limiter = new PasswordAttemptLimiter(Date.now, new RedisAttemptBook(clients[1]));
    await redis.stop();
    // The connection has seen Redis go (a command already on the dying socket fails, and is not sent again).
    await new Promise((resolve) => setTimeout(resolve, 200));
    const restarted = new Promise((resolve) => setTimeout(resolve, 300)).then(() => redis.start());
    try {
      await expect(
        limiter.run(
          `frank-${randomUUID()}`,
          () => Promise.resolve('tokens'),
          () => false,
        ),
      ).resolves.toBe('tokens');
    } finally {
      await restarted;
    }
  }, 30_000);
});

describe('with Redis restarted (the shared connection)', () => {
  it('sends a command the restart cut once more when its caller says it is idempotent, never otherwise', async () => {
    // BLPOP with a timeout holds the connection half a second: Redis stops while both are under way.
    const wait = (idempotent: boolean) =>
      clients[0].sendCommand(['BLPOP', `test-empty-${randomUUID()}`, '0.5'], { idempotent });
    const once = wait(false).catch((e: unknown) => e);
    const again = wait(true).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await redis.stop();
    const restarted = new Promise((resolve) => setTimeout(resolve, 300)).then(() => redis.start());
    try {
      expect(await once).toBeInstanceOf(Error);
      expect(await again).toBeNull(); // sent again after the reconnect: the list stayed empty
    } finally {
      await restarted;
    }
  }, 30_000);
});

describe('with Redis restarted (sessions)', () => {
  it('waits out a quick restart: a session read while the connection is down finds the session', async () => {
    const [one, two] = sessionStores();
    const session = aliceSession();
    await one.set(session);
    await redis.stop();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const restarted = new Promise((resolve) => setTimeout(resolve, 300)).then(() => redis.start());
    try {
      expect(await two.get(session.id)).toEqual(session);
    } finally {
      await restarted;
    }
  }, 30_000);
});

describe('with Redis stopped', () => {
  it('refuses every session call (503 session_store_unavailable) after the grace period; nothing written, nothing lost', async () => {
    const [one, two] = sessionStores();
    const kept = aliceSession();
    await one.set(kept);
    const unwritten = aliceSession();
    await redis.stop();
    try {
      const started = Date.now();
      await expectSessionStoreUnavailable(two.get(kept.id));
      expect(Date.now() - started).toBeLessThan(8_000);
      await expectSessionStoreUnavailable(two.set(unwritten));
      await expectSessionStoreUnavailable(two.delete(kept.id));
      await expectSessionStoreUnavailable(two.deleteByKeycloakSession(kept.user!.sid!));
      await expectSessionStoreUnavailable(two.deleteBySubject(kept.user!.sub));
    } finally {
      await redis.start();
    }
    expect(await two.get(kept.id)).toEqual(kept);
    expect(await two.get(unwritten.id)).toBeUndefined();
  }, 40_000);

  it('refuses a login (503 store_unavailable) after the grace period, a rate-limit count and a logout jti: nothing let through', async () => {
    const limiter = new PasswordAttemptLimiter(Date.now, new RedisAttemptBook(clients[0]));
    const storage = new RedisThrottlerStorage(clients[0]);
    const logoutJtis = new RedisReplayStore(clients[0], { prefix: 'test-logout-jti:' });
    let sent = 0;
    await redis.stop();
    try {
      const error = await limiter
        .run(
          'erin',
          () => Promise.resolve((sent += 1)),
          () => false,
        )
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailableException);
      expect((error as StoreUnavailableException).getStatus()).toBe(503);
      expect((error as StoreUnavailableException).getResponse()).toMatchObject({
        error: 'store_unavailable',
      });
      expect(sent).toBe(0);
      await expect(storage.increment('k', 60_000, 4, 60_000, 'login-address')).rejects.toBeInstanceOf(
        StoreUnavailableException,
      );
      await expect(logoutJtis.rememberOnce(randomUUID(), 1_000)).rejects.toThrow();
    } finally {
      await redis.start();
    }
    await expect(
      limiter.run(
        'erin',
        () => Promise.resolve('tokens'),
        () => false,
      ),
    ).resolves.toBe('tokens');
  }, 30_000);
});

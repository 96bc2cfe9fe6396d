import { Controller, Get, INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { generateKeyPair } from 'jose';
import { DpopProofMaker, DpopRequestHeaders } from '../client/dpop-proof.maker';
import { systemClock } from '../core/clock';
import { Dpop } from '../nest/dpop.decorator';
import { KeycloakAuthModule } from '../nest/keycloak-auth.module';
import { LocalIdp } from '../testing/local-idp';
import { listenOnLoopback } from '../../../../test/support/loopback-app';
import { failFastClient, readyAgain, startTestRedis, TestRedis } from '../../../../test/support/redis-server';
import { RedisCounterStore, RedisReplayStore } from './redis-stores';

// The Redis stores against a real redis-server (Debian's, started by scripts/redis.mjs), and the guard of two
// "replicas" sharing one: a proof accepted by one is refused by the other, and with Redis gone nothing is accepted.

let redis: TestRedis;
let client: Awaited<ReturnType<typeof failFastClient>>;

beforeAll(async () => {
  redis = await startTestRedis('unit-replay-store');
  client = await failFastClient(redis.url);
}, 30_000);

afterAll(async () => {
  if (client?.isOpen) await client.close();
  await redis?.stop();
});

describe('RedisReplayStore', () => {
  it('answers true once and false after, for every replica on the same Redis', async () => {
    const other = await failFastClient(redis.url);
    try {
      const [one, two] = [client, other].map((c) => new RedisReplayStore(c, { prefix: 'test-a:' }));
      const key = randomUUID();
      expect(await one.rememberOnce(key, 60_000)).toBe(true);
      expect(await two.rememberOnce(key, 60_000)).toBe(false);
      expect(await one.rememberOnce(key, 60_000)).toBe(false);
    } finally {
      await other.close();
    }
  });

  it('lets exactly one of 50 concurrent uses of one key through', async () => {
    const store = new RedisReplayStore(client, { prefix: 'test-b:' });
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 50 }, () => store.rememberOnce(key, 60_000)));
    expect(answers.filter(Boolean)).toHaveLength(1);
  });

  it('keys by default under nest-keycloak-s2s:dpop-jti: and nest-keycloak-s2s:introspection-budget:', async () => {
    const key = randomUUID();
    await new RedisReplayStore(client).rememberOnce(key, 5_000);
    await new RedisCounterStore(client).increment(key, 5_000);
    expect((await client.keys('nest-keycloak-s2s:*')).map((k) => k.replace(/[^:]+$/, '')).sort()).toEqual([
      'nest-keycloak-s2s:dpop-jti:',
      'nest-keycloak-s2s:introspection-budget:',
    ]);
  });

  it('keeps a key namespaced and hashed, never the value it was given, and only for its TTL', async () => {
    const store = new RedisReplayStore(client, { prefix: 'test-c:' });
    const secretish = `jkt-${randomUUID()} jti-${randomUUID()}`;
    await store.rememberOnce(secretish, 5_000);
    const keys = await client.keys('test-c:*');
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^test-c:[A-Za-z0-9_-]{43}$/);
    expect(keys[0]).not.toContain(secretish.split(' ')[1]);
    const ttl = await client.pTTL(keys[0]);
    expect(ttl).toBeGreaterThan(4_000);
    expect(ttl).toBeLessThanOrEqual(5_000);
  });

  it('forgets a key once its TTL has passed', async () => {
    const store = new RedisReplayStore(client, { prefix: 'test-d:' });
    const key = randomUUID();
    expect(await store.rememberOnce(key, 50)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await store.rememberOnce(key, 50)).toBe(true);
  });
});

describe('RedisCounterStore', () => {
  it('counts in a window that starts with the first increment and ends windowMs later, for every replica', async () => {
    const store = new RedisCounterStore(client, { prefix: 'test-e:' });
    const key = `caller-${randomUUID()}`;
    expect(await store.increment(key, 60_000)).toMatchObject({ count: 1 });
    const second = await store.increment(key, 60_000);
    expect(second.count).toBe(2);
    expect(second.resetInMs).toBeGreaterThan(59_000);
    expect(second.resetInMs).toBeLessThanOrEqual(60_000);
    await store.decrement(key);
    expect((await store.increment(key, 60_000)).count).toBe(2);
    const keys = await client.keys('test-e:*');
    expect(keys).toEqual([expect.stringMatching(/^test-e:[A-Za-z0-9_-]{43}$/)]);
  });

  it('starts a new window after the old one, and a refund after the window leaves no key behind', async () => {
    const store = new RedisCounterStore(client, { prefix: 'test-f:' });
    const key = randomUUID();
    await store.increment(key, 50);
    await store.increment(key, 50);
    await new Promise((resolve) => setTimeout(resolve, 120));
    await store.decrement(key);
    expect(await client.keys('test-f:*')).toEqual([]);
    expect((await store.increment(key, 50)).count).toBe(1);
  });
});

const ORIGIN = 'http://service-c.internal:3002';

@Controller()
class ComputeController {
  static calls = 0;

  @Dpop('required')
  @Get('compute')
  compute() {
    ComputeController.calls += 1;
    return { ok: true };
  }
}

describe('two replicas of a service sharing RedisReplayStore, at the guard', () => {
  let idp: LocalIdp;
  const apps: INestApplication[] = [];
  const bases: string[] = [];
  let maker: DpopProofMaker;
  let bound: string;

  beforeAll(async () => {
    idp = await LocalIdp.start();
    for (let i = 0; i < 2; i++) {
      const moduleRef = await Test.createTestingModule({
        imports: [
          KeycloakAuthModule.forRoot(
            idp.moduleOptions({
              dpop: {
                policy: 'allowed',
                // Behind one address (a load balancer's): the proofs name it, whichever replica answers.
                origin: ORIGIN,
                replayStore: new RedisReplayStore(client, { prefix: 'test-guard:' }),
              },
            }),
          ),
        ],
        controllers: [ComputeController],
      }).compile();
      const app = moduleRef.createNestApplication(new FastifyAdapter());
      apps.push(app);
      bases.push(await listenOnLoopback(app));
    }
    maker = new DpopProofMaker(await generateKeyPair('ES256'), systemClock);
    bound = await idp.issue({ typ: 'DPoP', cnf: { jkt: await maker.thumbprint(), 'kc-jkt-type': 'DPoP' } });
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await idp?.stop();
  });

  const send = async (base: string, headers: DpopRequestHeaders) => {
    const res = await fetch(`${base}/compute`, { headers: { ...headers } });
    return {
      status: res.status,
      challenge: res.headers.get('www-authenticate'),
      retryAfter: res.headers.get('retry-after'),
      body: (await res.json()) as Record<string, unknown>,
    };
  };
  /** A proof for `GET /compute` at the address callers use, good at either replica. */
  const proof = () => maker.headers('GET', `${ORIGIN}/compute`, bound);

  it('accepts a proof at one replica and refuses it replayed at the other: 401 invalid_dpop_proof, handler not run', async () => {
    const headers = await proof();
    const calls = ComputeController.calls;
    expect((await send(bases[0], headers)).status).toBe(200);
    for (const base of [bases[1], bases[0]]) {
      const replayed = await send(base, headers);
      expect(replayed.status).toBe(401);
      expect(replayed.challenge).toMatch(/^DPoP realm="local-idp", error="invalid_dpop_proof", /);
      expect(replayed.body).toMatchObject({ error: 'invalid_dpop_proof', code: 'dpop_proof_replayed' });
    }
    expect(ComputeController.calls).toBe(calls + 1);
  });

  it('lets exactly one of 20 concurrent sends of one proof, spread over both replicas, through', async () => {
    const headers = await proof();
    const calls = ComputeController.calls;
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => send(bases[i % 2], headers).then((a) => a.status)),
    );
    expect(answers.filter((status) => status === 200)).toHaveLength(1);
    expect(answers.filter((status) => status === 401)).toHaveLength(19);
    expect(ComputeController.calls).toBe(calls + 1);
  });

  it('with Redis stopped: 503 store_unavailable with Retry-After, nothing accepted; Redis back: accepted again', async () => {
    const calls = ComputeController.calls;
    await redis.stop();
    try {
      for (const base of bases) {
        const answer = await send(base, await proof());
        expect(answer).toMatchObject({
          status: 503,
          retryAfter: '1',
          challenge: null,
          body: { error: 'store_unavailable', code: 'replay_store_unavailable' },
        });
      }
      expect(ComputeController.calls).toBe(calls);
    } finally {
      await redis.start();
    }
    await readyAgain(client);
    expect((await send(bases[0], await proof())).status).toBe(200);
    expect(ComputeController.calls).toBe(calls + 1);
  }, 30_000);
});

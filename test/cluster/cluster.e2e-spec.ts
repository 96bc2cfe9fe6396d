import { appendFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { logIn } from '../e2e/support/bff';
import { realmSecrets, scanLogDir, describeFindings } from '../e2e/support/secret-scan';
import type { Sample } from '../e2e/faults/support/load';
import { startCluster, stopAllClusters, type Cluster } from './support/cluster';
import { describeRun, REPORT_DIR, writeReport, type RunReport } from './support/report';
import { runScenario, type ScenarioResult, type Step } from './support/scenario';
import { dpopKey } from '../e2e/support/dpop';
import {
  boundTokenForServiceC,
  catchLogoutToken,
  clusterToken,
  describeServers,
  postAs,
} from './support/shared-state';

// The cluster of `npm run stack:cluster` under a bounded load through service-a's frontend, half as a service
// (client credentials), half as a logged-in user: one Keycloak node, one replica of each service and Redis go away in
// turn and come back, first with the services validating tokens locally (jwt), then by introspection. And the state
// of the security checks is the replicas' together (Redis): a DPoP proof, a password guess, a logout token counts
// once whichever replica sees it, and with Redis gone those requests are refused, never let through unchecked.

const ORDER = JSON.stringify({ order_id: 77, amount: 3 });
const LOG_DIR = join(REPORT_DIR, 'cluster-logs');
// A bounded load: 30 requests/s at most, 8 in flight, each answered within 10 s or counted as a timeout, and never
// longer than 280 s (within the test's 300 s, whatever a Keycloak restart takes).
const LOAD = { ratePerSec: 30, concurrency: 8, requestTimeoutMs: 10_000, durationMs: 280_000 };
// Load only, between steps: each change (and HAProxy's view of it, 2 checks 500 ms apart) is seen on its own.
const SETTLE_MS = 4_000;

let cluster: Cluster;
const runs: RunReport[] = [];
const facts: string[] = [];

/** The ISPN000094 cluster views a node logged, as member counts, in order. */
function clusterViews(instance: string): number[] {
  const log = readFileSync(
    join(__dirname, '..', '..', '.keycloak', 'instances', instance, 'keycloak.log'),
    'utf8',
  );
  return [
    ...log.matchAll(/ISPN000094: Received new cluster view for channel ISPN: \[[^\]]*\] \((\d+)\)/g),
  ].map((m) => Number(m[1]));
}

/** Alternating requests: service-a's own token (`/api/chain`) and the logged-in user's (`/api/chain/user`). */
function mixedLoad(cookie: string) {
  let n = 0;
  const a = cluster.urls['service-a'];
  return () =>
    n++ % 2 === 0
      ? { url: `${a}/api/chain`, label: 'service', body: ORDER }
      : { url: `${a}/api/chain/user`, label: 'user', headers: { cookie, origin: a }, body: ORDER };
}

/** Take away one Keycloak node, one replica of each service, Redis; then bring the node and the replicas back. */
function outage(node: number): (Step | Step[])[] {
  const kc = cluster.keycloakNodes[node];
  const replica = cluster.replicas[1];
  return [
    { what: `Keycloak node ${node + 1} stopped (SIGTERM)`, run: () => kc.stop(), settleMs: SETTLE_MS },
    {
      what: 'one replica of each service stopped (SIGTERM, drained)',
      run: () => replica.stop(),
      settleMs: SETTLE_MS,
    },
    { what: 'Redis restarted (its data kept)', run: () => cluster.redis.restart(), settleMs: SETTLE_MS },
    [
      { what: `Keycloak node ${node + 1} started again`, run: () => kc.start() },
      { what: 'the stopped replicas started again', run: () => replica.start() },
    ],
  ];
}

async function scenario(name: string, node: number): Promise<ScenarioResult> {
  const jar = await logIn(cluster.urls['service-a'], 'alice', 'alice-dev-password');
  const cookie = jar.header(cluster.urls['service-a']);
  expect(cookie).toContain('s2s_session=');
  const result = await runScenario({
    load: { ...LOAD, request: mixedLoad(cookie) },
    steps: outage(node),
    warmMs: 3_000,
    tailMs: SETTLE_MS,
  });
  runs.push(describeRun(name, result));
  await reportServers(`after the ${name} run`);
  // Still logged in after it all: the session outlived every change.
  const after = await fetch(`${cluster.urls['service-a']}/api/chain/user`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, origin: cluster.urls['service-a'] },
    body: ORDER,
  });
  expect(after.status).toBe(200);
  return result;
}

/** HAProxy's answers per Keycloak node and per replica so far, in the report and the test's output. */
async function reportServers(when: string) {
  const line = `answers per server ${when} (HAProxy): ${await describeServers(cluster)}`;
  facts.push(line);
  console.log(line);
}

const replicaUrl = (i: number, tier: 'service-a' | 'service-b' | 'service-c') =>
  `http://127.0.0.1:${cluster.replicas[i].ports[tier]}`;

const describeOutcome = (s: Sample) => `${s.label} ${s.outcome}${s.code ? ` ${s.code}` : ''} at ${s.sentAt}`;

beforeAll(async () => {
  rmSync(LOG_DIR, { recursive: true, force: true });
  mkdirSync(LOG_DIR, { recursive: true });
  const began = Date.now();
  cluster = await startCluster({
    authMode: 'jwt',
    // Every login of the job comes from 127.0.0.1. The password grant for the guesses spread over the replicas.
    env: { LOGIN_RATE_LIMIT: '100000', ENABLE_PASSWORD_GRANT: 'true' },
    log: (line) => appendFileSync(join(LOG_DIR, 'cluster.log'), `${line}\n`),
    onOutput: (name, chunk) => appendFileSync(join(LOG_DIR, `${name}.log`), chunk),
  });
  facts.push(`cluster started in ${Math.round((Date.now() - began) / 1000)} s`);
  // Two Keycloak nodes' first starts took 410 s on a busy 2-core machine: room for that.
}, 900_000);

afterAll(async () => {
  await cluster?.stop();
  await stopAllClusters(); // one still starting, when the start ran out of time
  writeReport(runs, facts);
}, 120_000);

describe('the cluster of npm run stack:cluster', () => {
  it('is one Keycloak cluster: both nodes see a view of 2 members', () => {
    for (const node of cluster.keycloakNodes) expect(clusterViews(node.instance)).toContain(2);
    facts.push('both Keycloak nodes logged a cluster view of 2 members (ISPN000094)');
  });

  it('DPoP: a proof accepted by one replica of service-c is refused replayed at the other and through HAProxy', async () => {
    const key = await dpopKey();
    const bound = await boundTokenForServiceC(cluster, key);
    const front = cluster.urls['service-c'];
    const headers = await key.headers('POST', `${front}/api/compute`, bound);
    const send = (target: string) => postAs(front, target, '/api/compute', headers, { value: 21 });
    expect(await send(replicaUrl(0, 'service-c'))).toMatchObject({ status: 200 });
    for (const target of [replicaUrl(1, 'service-c'), replicaUrl(0, 'service-c'), front, front]) {
      const replayed = await send(target);
      expect(replayed).toMatchObject({ status: 401, code: 'dpop_proof_replayed' });
      expect(replayed.challenge).toMatch(/^DPoP realm="s2s", error="invalid_dpop_proof"/);
    }
    // A fresh proof of the same key and token is another proof: accepted once, by whichever replica.
    const fresh = await key.headers('POST', `${front}/api/compute`, bound);
    expect(
      (await postAs(front, replicaUrl(1, 'service-c'), '/api/compute', fresh, { value: 1 })).status,
    ).toBe(200);
    facts.push(
      'a DPoP proof accepted by one replica of service-c: 401 dpop_proof_replayed at the other and via HAProxy',
    );
  });

  it('DPoP with Redis stopped: 503 replay_store_unavailable at every replica, nothing accepted; Redis back: accepted', async () => {
    const key = await dpopKey();
    const bound = await boundTokenForServiceC(cluster, key);
    const front = cluster.urls['service-c'];
    const proof = () => key.headers('POST', `${front}/api/compute`, bound);
    await cluster.redis.stop();
    try {
      for (const target of [replicaUrl(0, 'service-c'), replicaUrl(1, 'service-c'), front]) {
        const answer = await postAs(front, target, '/api/compute', await proof(), { value: 2 });
        expect(answer).toMatchObject({ status: 503, code: 'replay_store_unavailable', retryAfter: '1' });
        expect(answer.challenge).toBeUndefined();
      }
    } finally {
      await cluster.redis.start();
    }
    const back = Date.now();
    let answer = await postAs(front, front, '/api/compute', await proof(), { value: 3 });
    while (answer.status === 503 && Date.now() - back < 5_000)
      answer = await postAs(front, front, '/api/compute', await proof(), { value: 3 });
    expect(answer.status).toBe(200);
    facts.push('Redis stopped: DPoP requests 503 replay_store_unavailable at both replicas; Redis back: 200');
  }, 60_000);

  it('password guesses spread over both replicas of service-a stop at the one limit per username: 429 with Retry-After', async () => {
    const username = `guess-${Date.now()}`;
    const guess = (i: number) =>
      postAs(
        cluster.urls['service-a'],
        replicaUrl(i % 2, 'service-a'),
        '/auth/token',
        {},
        {
          username,
          password: `wrong-${i}`,
        },
      );
    for (let i = 0; i < 10; i++) {
      expect((await guess(i)).status).toBe(400); // Keycloak's invalid_grant, forwarded
      await new Promise((resolve) => setTimeout(resolve, 1_050)); // Keycloak's quick-login check: 1 s apart
    }
    for (const i of [10, 11]) {
      const refused = await guess(i);
      expect(refused.status).toBe(429);
      expect(Number(refused.retryAfter)).toBeGreaterThan(12 * 3600 - 60);
    }
    facts.push(
      '10 password guesses over both service-a replicas, then 429 at either (one limit per username)',
    );
  }, 60_000);

  it('jwt: a Keycloak node, a replica of each service and Redis go away and come back with no failed request', async () => {
    const { load, events } = await scenario('jwt', 1);
    expect(events).toHaveLength(5);
    expect(load.samples.length).toBeGreaterThan(300);
    expect(load.failures().map(describeOutcome)).toEqual([]);
    // The user's requests were answered as the user all along: logged in throughout.
    expect(load.samples.filter((s) => s.label === 'user' && s.outcome === 200).length).toBeGreaterThan(150);
  }, 300_000);

  it('introspection: the same outage gives only 200 or a clear 503, and recovers within seconds', async () => {
    await cluster.restartServices('introspection');
    const { load, events } = await scenario('introspection', 0);
    // Redis goes away too: a DPoP proof or a budget that cannot be recorded meanwhile is refused (503, fail closed).
    const clear503 = ['idp_unavailable', 'replay_store_unavailable', 'counter_store_unavailable'];
    const wrong = load.failures(
      (s) => s.outcome === 200 || (s.outcome === 503 && clear503.includes(String(s.code))),
    );
    expect(wrong.map(describeOutcome)).toEqual([]);
    // Recovered: everything sent after the last step (and HAProxy's checks of it) was answered 200.
    const back = Math.max(...events.map((e) => e.endedAt)) + 2_000;
    expect(load.between(back).length).toBeGreaterThan(30);
    expect(
      load
        .failures()
        .filter((s) => s.sentAt >= back)
        .map(describeOutcome),
    ).toEqual([]);
  }, 300_000);

  it('a logout token taken by one replica of service-a is refused at the other: 400, replayed', async () => {
    const token = await catchLogoutToken(cluster);
    const post = (i: number) =>
      fetch(`${replicaUrl(i, 'service-a')}/auth/backchannel-logout`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ logout_token: token }),
      });
    expect((await post(0)).status).toBe(200);
    const replayed = await post(1);
    expect(replayed.status).toBe(400);
    expect(await replayed.json()).toMatchObject({
      error: 'invalid_request',
      message: 'logout token replayed',
    });
    facts.push('a logout token taken by one service-a replica: 400 replayed at the other');
  }, 60_000);

  it('introspection, every Keycloak node unreachable: 503 idp_unavailable for a new token, never 429, never accepted', async () => {
    // A token service-b has never introspected, sent past the caller's budget (600 a minute, one budget for both
    // replicas in Redis) while Keycloak is out of reach: each failed introspection is given back, so the outage stays
    // 503 and never turns into 429. Straight to the replicas: HAProxy takes them out of service-b's backend as soon
    // as their readiness reports Keycloak gone, and would answer its own 503.
    const token = await clusterToken(cluster, 'service-a', { grant_type: 'client_credentials' });
    await Promise.all(cluster.keycloakNodes.map((node) => node.stop()));
    const front = cluster.urls['service-b'];
    const counts: Record<string, number> = {};
    let next = 0;
    const worker = async () => {
      while (next < 700) {
        const target = replicaUrl(next++ % 2, 'service-b');
        const answer = await postAs(
          front,
          target,
          '/api/process',
          { authorization: `Bearer ${token}` },
          {
            order_id: 77,
            amount: 3,
          },
        );
        const outcome = `${answer.status} ${answer.code ?? ''}`.trim();
        counts[outcome] = (counts[outcome] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(counts).toEqual({ '503 idp_unavailable': 700 });
    await reportServers('after 700 requests with Keycloak unreachable');
    facts.push(
      'introspection with every Keycloak node stopped: 700 × 503 idp_unavailable, no 429, none accepted',
    );
  }, 120_000);

  it("wrote no token, client secret or password into the services' logs", () => {
    const realm = join(__dirname, '..', '..', 'realm-export.json');
    const findings = scanLogDir(LOG_DIR, realmSecrets(realm), new Set());
    expect(describeFindings(findings)).toBe('');
  });
});

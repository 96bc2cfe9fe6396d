import { appendFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { logIn } from '../e2e/support/bff';
import { realmSecrets, scanLogDir, describeFindings } from '../e2e/support/secret-scan';
import type { Sample } from '../e2e/faults/support/load';
import { startCluster, type Cluster } from './support/cluster';
import { describeRun, REPORT_DIR, writeReport, type RunReport } from './support/report';
import { runScenario, type ScenarioResult, type Step } from './support/scenario';

// The cluster of `npm run stack:cluster` under a bounded load through service-a's frontend, half as a service
// (client credentials), half as a logged-in user: one Keycloak node, one replica of each service and Redis go away in
// turn and come back, first with the services validating tokens locally (jwt), then by introspection.

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
  // Still logged in after it all: the session outlived every change.
  const after = await fetch(`${cluster.urls['service-a']}/api/chain/user`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, origin: cluster.urls['service-a'] },
    body: ORDER,
  });
  expect(after.status).toBe(200);
  return result;
}

const describeOutcome = (s: Sample) => `${s.label} ${s.outcome}${s.code ? ` ${s.code}` : ''} at ${s.sentAt}`;

beforeAll(async () => {
  rmSync(LOG_DIR, { recursive: true, force: true });
  mkdirSync(LOG_DIR, { recursive: true });
  const began = Date.now();
  cluster = await startCluster({
    authMode: 'jwt',
    // Every login of the job comes from 127.0.0.1.
    env: { LOGIN_RATE_LIMIT: '100000' },
    log: (line) => appendFileSync(join(LOG_DIR, 'cluster.log'), `${line}\n`),
    onOutput: (name, chunk) => appendFileSync(join(LOG_DIR, `${name}.log`), chunk),
  });
  facts.push(`cluster started in ${Math.round((Date.now() - began) / 1000)} s`);
}, 420_000);

afterAll(async () => {
  await cluster?.stop();
  writeReport(runs, facts);
}, 120_000);

describe('the cluster of npm run stack:cluster', () => {
  it('is one Keycloak cluster: both nodes see a view of 2 members', () => {
    for (const node of cluster.keycloakNodes) expect(clusterViews(node.instance)).toContain(2);
    facts.push('both Keycloak nodes logged a cluster view of 2 members (ISPN000094)');
  });

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
    const wrong = load.failures(
      (s) => s.outcome === 200 || (s.outcome === 503 && s.code === 'idp_unavailable'),
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

  it("wrote no token, client secret or password into the services' logs", () => {
    const realm = join(__dirname, '..', '..', 'realm-export.json');
    const findings = scanLogDir(LOG_DIR, realmSecrets(realm), new Set());
    expect(describeFindings(findings)).toBe('');
  });
});

import { join } from 'node:path';
import { post } from '../support/http';
import {
  adminClient,
  claimsOf,
  exchangeAsServiceB,
  REALM,
  SECRETS,
  serviceToken,
  tokenResponse,
  USERS,
} from '../support/keycloak';
import { RunningService, startService } from '../support/service-process';
import { SecurityReport } from '../security/support/security-report';
import { FaultChain, Mode, MODES, startChain } from './support/fault-chain';
import { FaultsKeycloak, prepareFaultsKeycloak, watchKeycloakReturn } from './support/faults-keycloak';
import { LoadResult, runLoad } from './support/load';
import { watchedCell, watchUntilRefused, WatchTarget } from './support/revocation-watch';

// Faults of Keycloak itself, on a Keycloak of this file's own (the other specs' Keycloak is never disturbed): token
// lifespans of a few seconds, revocation (a user logged out, a client disabled), key rotation and an outage, the
// last three with a bounded load on loopback. Each case adds rows to artifacts/faults-report-keycloak.md.

const REPORT_FILE = join(__dirname, '..', '..', '..', 'artifacts', 'faults-report-keycloak.md');
/** The services' introspection cache TTL here: short, so revocation is seen within the test's time. */
const TTL_SEC = 3;
/** Slack on top of the TTL: one poll interval, one round trip to Keycloak on a loaded 2-core machine. */
const SLACK_MS = 1_500;
/** The services' clock tolerance (the library's default): a token is refused once `exp` + this has passed. */
const CLOCK_TOLERANCE_MS = 5_000;
/** The JWKS max age of the extra jwt-mode service-b that shows a removed key being dropped. */
const PROBE_JWKS_MAX_AGE_SEC = 3;
const KEY_PROVIDER = 'org.keycloak.keys.KeyProvider';
const ORDER = { order_id: 4242, amount: 10, value: 5 };
const COMPUTE = { value: 5 };
const FOR_C_SCOPE = 'analytics.run service-c-audience';

const report = new SecurityReport();
const chains = new Map<Mode, FaultChain>();
let keycloak: FaultsKeycloak | undefined;
/** A jwt-mode service-b whose JWKS is refetched every few seconds: where a removed key is seen to be dropped. */
let jwksProbe: RunningService | undefined;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const url = (mode: Mode, service: 'service-a' | 'service-b' | 'service-c', path: string) =>
  `${chains.get(mode)![service].url}${path}`;
/** A fresh admin login each time: the master realm's admin tokens live 60 s. */
const admin = () => adminClient(keycloak!.url);
const kidOf = (token: string) =>
  (JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()) as { kid: string }).kid;
const expMs = (token: string) => (claimsOf(token).exp as number) * 1000;

/** Sends each target's token once, all at once, and expects 200 everywhere. */
async function expectAccepted(targets: WatchTarget[]): Promise<void> {
  const answers = await Promise.all(targets.map((t) => post(t.url, t.body, { token: t.token })));
  expect(answers.map((a, i) => `${targets[i].name}: ${a.status}`)).toEqual(
    targets.map((t) => `${t.name}: 200`),
  );
}

async function setAccessTokenLifespan(seconds: number): Promise<void> {
  await (await admin()).realms.update({ realm: REALM }, { accessTokenLifespan: seconds });
}

/** The same bounded load on service-b of both chains, with whatever token `token()` returns at the time. */
function loadServiceB(token: () => { token: string; label: string }, ratePerSec: number, durationMs: number) {
  return Promise.all(
    MODES.map((mode) =>
      runLoad({
        request: () => ({
          url: url(mode, 'service-b', '/api/process'),
          headers: { authorization: `Bearer ${token().token}` },
          body: JSON.stringify(ORDER),
          label: token().label,
        }),
        ratePerSec,
        durationMs,
        concurrency: 10,
        requestTimeoutMs: 10_000,
      }),
    ),
  );
}

beforeAll(async () => {
  keycloak = await prepareFaultsKeycloak();
  const kc = keycloak;
  const env = { INTROSPECTION_CACHE_TTL: String(TTL_SEC) };
  // Keycloak and the services start side by side (the services need Keycloak only once requests come).
  const results = await Promise.allSettled([
    kc.start(),
    ...MODES.map((mode) => startChain(mode, kc.url, env).then((chain) => chains.set(mode, chain))),
  ]);
  const failure = results.find((r) => r.status === 'rejected');
  if (failure) throw failure.reason;
  jwksProbe = await startService('service-b', {
    KEYCLOAK_URL: kc.url,
    CLIENT_ID: 'service-b',
    CLIENT_SECRET: SECRETS['service-b'],
    AUTH_MODE: 'jwt',
    JWKS_CACHE_MAX_AGE: String(PROBE_JWKS_MAX_AGE_SEC),
    SERVICE_C_URL: chains.get('jwt')!['service-c'].url,
  });
  // Before any service holds a token: every token of the first case lives a few seconds.
  await setAccessTokenLifespan(6);
}, 480_000);

afterAll(async () => {
  report.write(REPORT_FILE, [
    '# Fault report: Keycloak',
    '',
    `Written by \`test/e2e/faults/keycloak-faults.e2e-spec.ts\` at the end of its run (${new Date().toISOString()}), ` +
      `against a Keycloak of its own (${keycloak?.url}); services with INTROSPECTION_CACHE_TTL=${TTL_SEC}. ` +
      '"expected" is what the test asserts; "observed" is what the run saw: answers counted by status (×n), the ' +
      'load rate and the slowest answer, and the times the case measured.',
  ]);
  await Promise.all([...chains.values()].map((c) => c.stop()));
  await jwksProbe?.stop();
  await keycloak?.stop();
}, 60_000);

describe('token lifespans of a few seconds', () => {
  it('the chain keeps answering 200 while tokens expire under load: the providers renew ahead of expiry', async () => {
    const seen = MODES.map(() => ({ serviceA: new Set<number>(), exchanged: new Set<number>() }));
    const results = await Promise.all(
      MODES.map((mode, i) =>
        runLoad({
          request: () => ({ url: url(mode, 'service-a', '/api/chain'), body: JSON.stringify(ORDER) }),
          ratePerSec: 100,
          durationMs: 8_000,
          concurrency: 20,
          requestTimeoutMs: 10_000,
          // Each hop reports the exp of the token it received: distinct values are distinct tokens.
          onAnswer: (sample, body) => {
            if (sample.outcome !== 200) return;
            const { hops } = JSON.parse(body) as { hops: { exp: number }[] };
            seen[i].serviceA.add(hops[0].exp);
            seen[i].exchanged.add(hops[1].exp);
          },
        }),
      ),
    );
    MODES.forEach((mode, i) =>
      report.add({
        case: 'access tokens of 6 s expire during 8 s of load (service-a → B → C)',
        mode,
        expected: "0 failed; service-a's and the exchanged tokens renewed (≥ 3 of each)",
        observed: `${results[i].summary()}; tokens seen: service-a's ${seen[i].serviceA.size}, exchanged ${seen[i].exchanged.size}`,
      }),
    );
    MODES.forEach((_mode, i) => {
      expect(results[i].failures()).toEqual([]);
      expect(seen[i].serviceA.size).toBeGreaterThanOrEqual(3);
      expect(seen[i].exchanged.size).toBeGreaterThanOrEqual(3);
    });
  }, 60_000);
});

describe('revocation', () => {
  beforeAll(() => setAccessTokenLifespan(12));

  it('alice logged out: introspection refuses her tokens within the cache TTL, jwt only after they expire', async () => {
    const kc = keycloak!;
    const login = await tokenResponse(
      'service-a',
      SECRETS['service-a'],
      { grant_type: 'password', username: 'alice', password: USERS.alice },
      REALM,
      kc.url,
    );
    const alice = login.access_token;
    const forC = await exchangeAsServiceB(alice, FOR_C_SCOPE, 'service-c', kc.url);
    const target = (mode: Mode, service: 'service-b' | 'service-c'): WatchTarget =>
      service === 'service-b'
        ? { name: `${service} ${mode}`, url: url(mode, service, '/api/process'), token: alice, body: ORDER }
        : { name: `${service} ${mode}`, url: url(mode, service, '/api/compute'), token: forC, body: COMPUTE };
    const targets = MODES.flatMap((mode) => [target(mode, 'service-b'), target(mode, 'service-c')]);
    const kcAdmin = await admin();
    const [user] = await kcAdmin.users.find({ username: 'alice', exact: true });
    // Accepted everywhere just before the logout, so the introspection caches are fresh: the worst case.
    await expectAccepted(targets);
    await kcAdmin.users.logout({ id: user.id! });
    const revokedAt = Date.now();
    const exp = Math.max(expMs(alice), expMs(forC));
    const watched = await watchUntilRefused(targets, revokedAt, exp + CLOCK_TOLERANCE_MS + 3_000 - revokedAt);
    const [bIntrospection, cIntrospection, bJwt, cJwt] = [
      'service-b introspection',
      'service-c introspection',
      'service-b jwt',
      'service-c jwt',
    ].map((name) => watched.find((w) => w.name === name)!);

    const within = `≤ ${TTL_SEC} s TTL + ${SLACK_MS / 1000} s`;
    for (const w of [bIntrospection, cIntrospection])
      report.add({
        case: `alice logged out (admin API) → her token at ${w.name.split(' ')[0]}`,
        mode: 'introspection',
        expected: `401 token_inactive ${within} after the logout`,
        observed: watchedCell(w),
      });
    report.add({
      case: 'alice logged out (admin API) → her token at service-b',
      mode: 'jwt',
      expected:
        "accepted by the guard; refused 401 exchange_subject_rejected once service-b's cached exchange is renewed (Keycloak refuses the revoked subject), before exp",
      observed: watchedCell(bJwt),
    });
    report.add({
      case: 'alice logged out (admin API) → her token at service-c',
      mode: 'jwt',
      expected: `accepted until exp (+${CLOCK_TOLERANCE_MS / 1000} s tolerance), then 401 token_expired`,
      observed: `${watchedCell(cJwt)} (exp was ${((expMs(forC) - revokedAt) / 1000).toFixed(1)} s after the logout)`,
    });

    for (const w of [bIntrospection, cIntrospection]) {
      expect(w).toMatchObject({ status: 401, code: 'token_inactive' });
      expect(w.refusedAfterMs).toBeLessThanOrEqual(TTL_SEC * 1000 + SLACK_MS);
      expect(revokedAt + w.refusedAfterMs!).toBeLessThan(exp);
    }
    expect(bJwt).toMatchObject({ status: 401, code: 'exchange_subject_rejected' });
    expect(revokedAt + bJwt.refusedAfterMs!).toBeLessThan(expMs(alice));
    expect(cJwt).toMatchObject({ status: 401, code: 'token_expired' });
    expect(revokedAt + cJwt.refusedAfterMs!).toBeGreaterThanOrEqual(expMs(forC));
    expect(revokedAt + cJwt.refusedAfterMs!).toBeLessThanOrEqual(expMs(forC) + CLOCK_TOLERANCE_MS + SLACK_MS);
  }, 60_000);

  it("service-a's client disabled: introspection refuses its token within the cache TTL", async () => {
    const kc = keycloak!;
    const token = await serviceToken('service-a', kc.url);
    const targets = MODES.map((mode) => ({
      name: `service-b ${mode}`,
      url: url(mode, 'service-b', '/api/process'),
      token,
      body: ORDER,
    }));
    const kcAdmin = await admin();
    const [client] = await kcAdmin.clients.find({ clientId: 'service-a' });
    await expectAccepted(targets);
    await kcAdmin.clients.update({ id: client.id! }, { ...client, enabled: false });
    const revokedAt = Date.now();
    try {
      const [jwt, introspection] = await watchUntilRefused(
        targets,
        revokedAt,
        expMs(token) + CLOCK_TOLERANCE_MS + 3_000 - revokedAt,
      );
      report.add({
        case: "service-a's client disabled (admin API) → its token at service-b",
        mode: 'introspection',
        expected: `401 token_inactive ≤ ${TTL_SEC} s TTL + ${SLACK_MS / 1000} s after the change`,
        observed: watchedCell(introspection),
      });
      report.add({
        case: "service-a's client disabled (admin API) → its token at service-b",
        mode: 'jwt',
        expected:
          "accepted by the guard; refused 401 exchange_subject_rejected once service-b's cached exchange is renewed, before exp",
        observed: watchedCell(jwt),
      });
      expect(introspection).toMatchObject({ status: 401, code: 'token_inactive' });
      expect(introspection.refusedAfterMs).toBeLessThanOrEqual(TTL_SEC * 1000 + SLACK_MS);
      expect(jwt).toMatchObject({ status: 401, code: 'exchange_subject_rejected' });
      expect(revokedAt + jwt.refusedAfterMs!).toBeLessThan(expMs(token));
    } finally {
      await (await admin()).clients.update({ id: client.id! }, { ...client, enabled: true });
    }
  }, 60_000);
});

describe('under load', () => {
  beforeAll(() => setAccessTokenLifespan(300));

  it('key rotation: a new key, then the old one disabled, during the load: 0 failed; a token of the removed key is refused', async () => {
    const kc = keycloak!;
    const oldToken = await serviceToken('service-a', kc.url);
    const neverSent = await serviceToken('service-a', kc.url); // signed by the old key, sent only after its removal
    expect((await post(`${jwksProbe!.url}/api/process`, ORDER, { token: oldToken })).status).toBe(200);
    const kcAdmin = await admin();
    const realm = await kcAdmin.realms.findOne({ realm: REALM });
    const [oldKey] = await kcAdmin.components.find({ type: KEY_PROVIDER, name: 'rsa-generated' });

    let current = { token: oldToken, label: 'old key' };
    const loads = loadServiceB(() => current, 100, 6_000);
    await sleep(1_000);
    await kcAdmin.components.create({
      name: 'e2e-faults-rotated',
      providerId: 'rsa-generated',
      providerType: KEY_PROVIDER,
      parentId: realm!.id,
      config: { priority: ['200'], keySize: ['2048'], active: ['true'], enabled: ['true'] },
    });
    const newToken = await serviceToken('service-a', kc.url);
    current = { token: newToken, label: 'new key' };
    await sleep(1_500);
    await kcAdmin.components.update(
      { id: oldKey.id! },
      { ...oldKey, config: { ...oldKey.config, enabled: ['false'] } },
    );
    const removedAt = Date.now();
    const results = await loads;

    const afterwards = await Promise.all(
      MODES.map((mode) => post(url(mode, 'service-b', '/api/process'), ORDER, { token: neverSent })),
    );
    const [probe] = await watchUntilRefused(
      [{ name: 'jwks probe', url: `${jwksProbe!.url}/api/process`, token: neverSent, body: ORDER }],
      removedAt,
      PROBE_JWKS_MAX_AGE_SEC * 1000 + 10_000,
      250,
    );

    MODES.forEach((mode, i) => {
      const byKey = (label: string) => results[i].samples.filter((s) => s.label === label).length;
      report.add({
        case: 'key rotation during 6 s of load at service-b: new key (priority 200) at 1 s, old key disabled at 2.5 s',
        mode,
        expected: '0 failed (every token sent was signed by an active key)',
        observed: `${results[i].summary()}; old-key token ×${byKey('old key')}, new-key token ×${byKey('new key')}`,
      });
    });
    report.add({
      case: 'afterwards: a token of the removed key, never sent before',
      mode: 'introspection',
      expected: '401 token_inactive',
      observed: `${afterwards[1].status} ${afterwards[1].body.code}`,
    });
    report.add({
      case: 'afterwards: a token of the removed key, never sent before',
      mode: 'jwt',
      expected:
        `JWKS_CACHE_MAX_AGE=600 (default): the guard still accepts (key cached until the next JWKS fetch), the ` +
        `exchange at Keycloak refuses: 401 exchange_subject_rejected; JWKS_CACHE_MAX_AGE=${PROBE_JWKS_MAX_AGE_SEC}: ` +
        `the guard refuses, 401 token_key_unknown ≤ ${PROBE_JWKS_MAX_AGE_SEC} s + ${SLACK_MS / 1000} s`,
      observed: `600: ${afterwards[0].status} ${afterwards[0].body.code}; ${PROBE_JWKS_MAX_AGE_SEC}: ${watchedCell(probe)}`,
    });

    expect(kidOf(newToken)).not.toBe(kidOf(oldToken));
    for (const result of results) expect(result.failures()).toEqual([]);
    expect(afterwards[1]).toMatchObject({ status: 401, body: { code: 'token_inactive' } });
    expect(afterwards[1].wwwAuthenticate).toMatch(/^Bearer realm="s2s", error="invalid_token"/);
    expect(afterwards[0]).toMatchObject({ status: 401, body: { code: 'exchange_subject_rejected' } });
    expect(afterwards[0].wwwAuthenticate).toMatch(/^Bearer realm="s2s", error="invalid_token"/);
    expect(probe).toMatchObject({ status: 401, code: 'token_key_unknown' });
    expect(probe.challenge).toMatch(/^Bearer realm="s2s", error="invalid_token"/);
    expect(probe.refusedAfterMs).toBeLessThanOrEqual(PROBE_JWKS_MAX_AGE_SEC * 1000 + SLACK_MS);
  }, 60_000);

  it('Keycloak stopped and restarted during the load: jwt keeps serving, introspection answers 503 and recovers by itself', async () => {
    const kc = keycloak!;
    const token = await serviceToken('service-a', kc.url);
    const fixed = () => ({ token, label: 'service-a' });

    const during = loadServiceB(fixed, 100, 4_000);
    await sleep(1_000);
    await kc.stop();
    const stoppedAt = Date.now();
    const whileStopping = await during;

    const watcher = watchKeycloakReturn(kc.url, REALM);
    let loadEnds = false;
    const restart = kc.restart().finally(() => setTimeout(() => (loadEnds = true), 3_000));
    const whileDown = await Promise.all(
      MODES.map((mode) =>
        runLoad({
          request: () => ({
            url: url(mode, 'service-b', '/api/process'),
            headers: { authorization: `Bearer ${token}` },
            body: JSON.stringify(ORDER),
          }),
          ratePerSec: 20,
          durationMs: 480_000,
          concurrency: 5,
          requestTimeoutMs: 10_000,
          until: () => loadEnds,
        }),
      ),
    );
    await restart;
    const back = await watcher.stop();
    const after = await loadServiceB(fixed, 100, 3_000);

    const samples = (mode: Mode) => [whileStopping, whileDown].flatMap((r) => r[MODES.indexOf(mode)].samples);
    const combined = (mode: Mode) =>
      new LoadResult(samples(mode), whileStopping[0].startedAt, whileDown[MODES.indexOf(mode)].endedAt);
    const introspection = samples('introspection');
    const failures = introspection.filter((s) => s.outcome !== 200);
    const lastFailure = Math.max(...failures.map((s) => s.sentAt));
    const recovered = introspection.find((s) => s.sentAt > lastFailure && s.outcome === 200);
    const recoveryMs = recovered && back.listeningAt ? recovered.sentAt - back.listeningAt : undefined;
    // Sent once the cache could hold nothing (TTL after the stop) and before Keycloak could be reached again
    // (100 ms before its port was last refused, the service's own time to call it): nothing but 503 is right.
    const closed = introspection.filter(
      (s) => s.sentAt >= stoppedAt + TTL_SEC * 1000 + 1_000 && s.sentAt < (back.lastRefusedAt ?? 0) - 100,
    );
    const seconds = (ms: number | undefined) => (ms === undefined ? '?' : (ms / 1000).toFixed(1));
    const what = `Keycloak stopped 1 s into the load (100/s), restarted keeping its data (20/s while down: port closed ${seconds(
      (back.listeningAt ?? NaN) - stoppedAt,
    )} s, serving again ${seconds((back.servingAt ?? NaN) - stoppedAt)} s after the stop)`;
    report.add({
      case: what,
      mode: 'jwt',
      expected: '200 throughout (keys and verified tokens cached)',
      observed: combined('jwt').summary(),
    });
    report.add({
      case: what,
      mode: 'introspection',
      expected: `only 503 idp_unavailable once the ${TTL_SEC}-s cache ran out until Keycloak listened again; 200 again ≤ 5 s after`,
      observed:
        `${combined('introspection').summary()}; ${closed.length} sent while Keycloak was unreachable: ` +
        `${new LoadResult(closed, 0, 1).summary().split(' (')[0]}; 200 again ${seconds(recoveryMs)} s after its port opened`,
    });
    MODES.forEach((mode, i) =>
      report.add({
        case: 'after the restart: 3 s of load (100/s)',
        mode,
        expected: '0 failed',
        observed: after[i].summary(),
      }),
    );

    expect(back.listeningAt).toBeDefined();
    expect(samples('jwt').filter((s) => s.outcome !== 200)).toEqual([]);
    expect(failures.length).toBeGreaterThan(0);
    for (const f of failures) expect(f).toMatchObject({ outcome: 503, code: 'idp_unavailable' });
    expect(closed.length).toBeGreaterThan(0);
    expect(closed.filter((s) => s.outcome !== 503)).toEqual([]);
    expect(recoveryMs).toBeLessThanOrEqual(5_000);
    for (const result of after) expect(result.failures()).toEqual([]);
  }, 540_000);
});

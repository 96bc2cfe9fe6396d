import { join } from 'node:path';
import { post } from '../support/http';
import {
  claimsOf,
  REALM,
  SIGNED_JWT,
  serviceToken,
  tokenResponse,
  tokenUrl,
  USERS,
} from '../support/keycloak';
import { boundExchangeAsServiceB, dpopKey } from '../support/dpop';
import { SecurityReport } from '../security/support/security-report';
import { Mode, MODES } from './support/fault-chain';
import { keyRotation, outageFindings, watchKeycloakReturn } from './support/faults-keycloak';
import { expectAccepted, FaultsRig, ORDER, startFaultsRig } from './support/faults-rig';
import { LoadResult, sleep } from './support/load';
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
const COMPUTE = { value: 5 };
const FOR_C_SCOPE = 'analytics.run service-c-audience';

/** What jwt-mode service-b does with a token Keycloak revoked: its guard cannot know, its next exchange does. */
const JWT_SERVICE_B_REVOKED =
  "accepted by the guard; refused 401 exchange_subject_rejected once service-b's cached exchange is renewed " +
  '(Keycloak refuses the revoked subject), before exp';
const WITHIN_TTL = `401 token_inactive ≤ ${TTL_SEC} s TTL + ${SLACK_MS / 1000} s after the change`;

const report = new SecurityReport();
let rig: FaultsRig | undefined;

const kidOf = (token: string) =>
  (JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()) as { kid: string }).kid;
const expMs = (token: string) => (claimsOf(token).exp as number) * 1000;
const seconds = (ms: number | undefined) =>
  ms === undefined || Number.isNaN(ms) ? '?' : (ms / 1000).toFixed(1);

beforeAll(async () => {
  rig = await startFaultsRig({ INTROSPECTION_CACHE_TTL: String(TTL_SEC) }, PROBE_JWKS_MAX_AGE_SEC);
  // Before any service holds a token: every token of the first case lives a few seconds.
  await rig.setAccessTokenLifespan(6);
}, 480_000);

afterAll(async () => {
  report.write(REPORT_FILE, [
    '# Fault report: Keycloak',
    '',
    `Written by \`test/e2e/faults/keycloak-faults.e2e-spec.ts\` at the end of its run (${new Date().toISOString()}), ` +
      `against a Keycloak of its own (${rig?.keycloak.url}); services with INTROSPECTION_CACHE_TTL=${TTL_SEC}. ` +
      '"expected" is what the test asserts; "observed" is what the run saw: answers counted by status (×n), the ' +
      'load rate and the slowest answer, and the times the case measured.',
  ]);
  await rig?.stop();
}, 60_000);

describe('token lifespans of a few seconds', () => {
  it('the chain keeps answering 200 while tokens expire under load: the providers renew ahead of expiry', async () => {
    const seen = MODES.map(() => ({ serviceA: new Set<number>(), exchanged: new Set<number>() }));
    // Each hop reports the exp of the token it received: distinct values are distinct tokens.
    const results = await rig!.load(
      { service: 'service-a' },
      { ratePerSec: 100, durationMs: 8_000, concurrency: 20 },
      (mode, sample, body) => {
        if (sample.outcome !== 200) return;
        const { hops } = JSON.parse(body) as { hops: { exp: number }[] };
        seen[MODES.indexOf(mode)].serviceA.add(hops[0].exp);
        seen[MODES.indexOf(mode)].exchanged.add(hops[1].exp);
      },
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
  beforeAll(() => rig!.setAccessTokenLifespan(12));

  it('alice logged out: introspection refuses her tokens within the cache TTL, jwt only after they expire', async () => {
    const kc = rig!.keycloak;
    const login = await tokenResponse(
      'service-a',
      SIGNED_JWT['service-a'],
      { grant_type: 'password', username: 'alice', password: USERS.alice },
      REALM,
      kc.url,
    );
    const alice = login.access_token;
    // service-c takes DPoP-bound tokens only: exchanged with a proof of the test's key, as service-b does.
    const key = await dpopKey();
    const forC = await boundExchangeAsServiceB(alice, key, FOR_C_SCOPE, tokenUrl(REALM, kc.url));
    const targets: WatchTarget[] = MODES.flatMap((mode) => [
      {
        name: `service-b ${mode}`,
        url: rig!.url(mode, 'service-b', '/api/process'),
        token: alice,
        body: ORDER,
      },
      {
        name: `service-c ${mode}`,
        url: rig!.url(mode, 'service-c', '/api/compute'),
        token: forC,
        body: COMPUTE,
        dpop: key,
      },
    ]);
    const kcAdmin = await rig!.admin();
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

    for (const w of [bIntrospection, cIntrospection])
      report.add({
        case: `alice logged out (admin API) → her token at ${w.name.split(' ')[0]}`,
        mode: 'introspection',
        expected: WITHIN_TTL,
        observed: watchedCell(w),
      });
    report.add({
      case: 'alice logged out (admin API) → her token at service-b',
      mode: 'jwt',
      expected: JWT_SERVICE_B_REVOKED,
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
    const kc = rig!.keycloak;
    const token = await serviceToken('service-a', kc.url);
    const targets = MODES.map((mode) => ({
      name: `service-b ${mode}`,
      url: rig!.url(mode, 'service-b', '/api/process'),
      token,
      body: ORDER,
    }));
    const kcAdmin = await rig!.admin();
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
        expected: WITHIN_TTL,
        observed: watchedCell(introspection),
      });
      report.add({
        case: "service-a's client disabled (admin API) → its token at service-b",
        mode: 'jwt',
        expected: JWT_SERVICE_B_REVOKED,
        observed: watchedCell(jwt),
      });
      expect(introspection).toMatchObject({ status: 401, code: 'token_inactive' });
      expect(introspection.refusedAfterMs).toBeLessThanOrEqual(TTL_SEC * 1000 + SLACK_MS);
      expect(jwt).toMatchObject({ status: 401, code: 'exchange_subject_rejected' });
      expect(revokedAt + jwt.refusedAfterMs!).toBeLessThan(expMs(token));
    } finally {
      await (await rig!.admin()).clients.update({ id: client.id! }, { ...client, enabled: true });
    }
  }, 60_000);
});

describe('under load', () => {
  beforeAll(() => rig!.setAccessTokenLifespan(300));

  it('key rotation: a new key, then the old one disabled, during the load: 0 failed; a token of the removed key is refused', async () => {
    const kc = rig!.keycloak;
    const oldToken = await serviceToken('service-a', kc.url);
    const neverSent = await serviceToken('service-a', kc.url); // signed by the old key, sent only after its removal
    expect((await post(`${rig!.jwksProbe.url}/api/process`, ORDER, { token: oldToken })).status).toBe(200);
    const rotation = await keyRotation(await rig!.admin(), REALM);

    let current = { token: oldToken, label: 'old key' };
    const loads = rig!.load(
      { service: 'service-b', current: () => current },
      { ratePerSec: 100, durationMs: 6_000 },
    );
    const loadStart = Date.now();
    await sleep(1_000);
    await rotation.addKey();
    const newToken = await serviceToken('service-a', kc.url);
    current = { token: newToken, label: 'new key' };
    const switchedAt = Date.now();
    await sleep(1_500);
    await rotation.removeOldKey();
    const removedAt = Date.now();
    const results = await loads;
    const rotationCase =
      `key rotation during 6 s of load at service-b: new key (priority 200), the load's token from it after ` +
      `${seconds(switchedAt - loadStart)} s, old key disabled after ${seconds(removedAt - loadStart)} s`;

    const afterwards = await Promise.all(
      MODES.map((mode) => post(rig!.url(mode, 'service-b', '/api/process'), ORDER, { token: neverSent })),
    );
    const [probe] = await watchUntilRefused(
      [{ name: 'jwks probe', url: `${rig!.jwksProbe.url}/api/process`, token: neverSent, body: ORDER }],
      removedAt,
      PROBE_JWKS_MAX_AGE_SEC * 1000 + 10_000,
      250,
    );

    MODES.forEach((mode, i) => {
      const byKey = (label: string) => results[i].samples.filter((s) => s.label === label).length;
      report.add({
        case: rotationCase,
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

  it('Keycloak stopped and restarted during the load: jwt keeps serving (and stays ready), introspection answers 503 and recovers by itself', async () => {
    const kc = rig!.keycloak;
    const token = await serviceToken('service-a', kc.url);
    const fixed = () => ({ token, label: 'service-a' });

    const during = rig!.load(
      { service: 'service-b', current: fixed },
      { ratePerSec: 100, durationMs: 4_000 },
    );
    await sleep(1_000);
    await kc.stop();
    const stoppedAt = Date.now();
    const whileStopping = await during;
    // Readiness fits the mode: jwt-mode pods with warm keys stay in their Service; introspection ones leave it.
    const ready = await Promise.all(
      MODES.map(async (mode) => {
        const res = await fetch(rig!.url(mode, 'service-b', '/health/ready'));
        const body = (await res.json()) as { details: { keycloak: { status: string; message: string } } };
        return { status: res.status, keycloak: body.details.keycloak };
      }),
    );

    const watcher = watchKeycloakReturn(kc.url, REALM);
    let loadEnds = false;
    const restart = kc.restart().finally(() => setTimeout(() => (loadEnds = true), 3_000));
    // 8/s while Keycloak is down and starting (it needs the CPU), until 3 s after it is ready again: below the
    // per-caller introspection budget (600 misses a minute), which every failed introspection spends, so a restart
    // slower than 30 s on a busy machine shows the outage's 503s and not the budget's 429s.
    const whileDown = await rig!.load(
      { service: 'service-b', current: fixed },
      {
        ratePerSec: 8,
        durationMs: 480_000,
        concurrency: 5,
        until: () => loadEnds,
      },
    );
    await restart;
    const back = await watcher.stop();
    const after = await rig!.load(
      { service: 'service-b', current: fixed },
      { ratePerSec: 100, durationMs: 3_000 },
    );

    const samples = (mode: Mode) => [whileStopping, whileDown].flatMap((r) => r[MODES.indexOf(mode)].samples);
    const combined = (mode: Mode) =>
      new LoadResult(samples(mode), whileStopping[0].startedAt, whileDown[MODES.indexOf(mode)].endedAt);
    const outage = outageFindings(samples('introspection'), stoppedAt, back, TTL_SEC * 1000);
    const what =
      'Keycloak stopped 1 s into the load (100/s), restarted keeping its data (8/s meanwhile: unreachable ' +
      `${seconds((back.listeningAt ?? NaN) - stoppedAt)} s, serving again ${seconds((back.servingAt ?? NaN) - stoppedAt)} s after the stop)`;
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
        `${combined('introspection').summary()}; sent while Keycloak was unreachable: ` +
        `${new LoadResult(outage.unreachable, 0, 1).countsText()}; 200 again ${seconds(outage.recoveryMs)} s after its port opened`,
    });
    MODES.forEach((mode, i) =>
      report.add({
        case: 'after the restart: 3 s of load (100/s)',
        mode,
        expected: '0 failed',
        observed: after[i].summary(),
      }),
    );

    MODES.forEach((mode, i) =>
      report.add({
        case: 'readiness of service-b while Keycloak is stopped',
        mode,
        expected: mode === 'jwt' ? '200, keys cached' : '503, Keycloak down',
        observed: `${ready[i].status}, keycloak ${ready[i].keycloak.status}: ${ready[i].keycloak.message}`,
      }),
    );
    expect(ready[MODES.indexOf('jwt')]).toEqual({
      status: 200,
      keycloak: { status: 'up', message: 'signing keys cached' },
    });
    expect(ready[MODES.indexOf('introspection')]).toMatchObject({
      status: 503,
      keycloak: { status: 'down' },
    });
    expect(back.listeningAt).toBeDefined();
    expect(samples('jwt').filter((s) => s.outcome !== 200)).toEqual([]);
    expect(outage.failures.length).toBeGreaterThan(0);
    for (const f of outage.failures) expect(f).toMatchObject({ outcome: 503, code: 'idp_unavailable' });
    expect(outage.unreachable.length).toBeGreaterThan(0);
    expect(outage.unreachable.filter((s) => s.outcome !== 503)).toEqual([]);
    expect(outage.recoveryMs).toBeLessThanOrEqual(5_000);
    for (const result of after) expect(result.failures()).toEqual([]);
  }, 540_000);
});

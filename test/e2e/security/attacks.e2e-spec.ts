import { join } from 'node:path';
import { claimsOf, KEYCLOAK_URL, serviceToken, stacks } from '../support/keycloak';
import { calculateJwkThumbprint, decodeProtectedHeader } from 'jose';
import { AttackCase, AttackGroup, Expected, validProof } from './support/attack-case';
import { Observed, send, sendRaw } from './support/attack-http';
import { DPOP_ATTACKS } from './support/dpop-attacks';
import { BODY_ATTACKS, HEADER_ATTACKS } from './support/request-attacks';
import { createSecurityFixtures, KID_FLOOD, SecurityFixtures } from './support/security-fixtures';
import { challengeSummary, observedCell, SecurityReport } from './support/security-report';
import { Mode, MODES, ServiceBRig, startServiceBRig } from './support/service-b-rig';
import * as tokenAttacks from './support/token-attacks';

// The attack cases of the security issue, against the real Keycloak, in both validation modes. Each case sends
// the bad request to the service under test and checks the status, the RFC 6750 challenge and, at service-b, that
// the next hop was not called: service-b runs as its own process here, between a counting stand-in for service-c
// and a counting proxy in front of Keycloak. What each case observed goes to artifacts/security-report.md.

const REPORT_FILE = join(__dirname, '..', '..', '..', 'artifacts', 'security-report.md');
const ORDER = JSON.stringify({ order_id: 9876, amount: 1500, value: 21 });
const INVALID_TOKEN = /^Bearer realm="s2s", error="invalid_token", error_description="[^"]+"$/;
const INSUFFICIENT_SCOPE =
  /^Bearer realm="s2s", error="insufficient_scope", error_description="[^"]+"(, scope="[^"]+")?$/;
/** The challenge of an error on the DPoP scheme (RFC 9449 §7.1): always with the accepted `algs`. */
const dpopChallenge = (error: string) =>
  new RegExp(
    `^DPoP realm="s2s", error="${error}", error_description="[^"]+"(, scope="[^"]+")?, algs="[^"]+"$`,
  );
/** The table-driven cases, one `describe` per group; the flood, the oversized header and the controls follow below. */
const ATTACK_GROUPS: AttackGroup[] = [
  HEADER_ATTACKS,
  tokenAttacks.SIGNATURE_ATTACKS,
  tokenAttacks.LIFETIME_ATTACKS,
  tokenAttacks.ISSUER_AUDIENCE_TYPE_ATTACKS,
  tokenAttacks.CONFUSED_DEPUTY_ATTACKS,
  tokenAttacks.SCOPE_AND_ROLE_ATTACKS,
  DPOP_ATTACKS,
  BODY_ATTACKS,
];
/** JWKS fetches a flood of unknown kids may cause: the first load, and one refetch once the cooldown is over. */
const JWKS_FETCH_BOUND = 2;

const report = new SecurityReport();
const rigs = new Map<Mode, ServiceBRig>();
let fixtures: SecurityFixtures | undefined;

beforeAll(async () => {
  // Settle all before failing, so that afterAll can clean up whatever did start.
  const results = await Promise.allSettled([
    createSecurityFixtures().then((made) => (fixtures = made)),
    ...MODES.map((mode) => startServiceBRig(mode).then((rig) => rigs.set(mode, rig))),
  ]);
  const failure = results.find((r) => r.status === 'rejected');
  if (failure) throw failure.reason;
}, 120_000);

afterAll(async () => {
  report.write(REPORT_FILE, [
    '# Security suite report',
    '',
    `Written by \`test/e2e/security/attacks.e2e-spec.ts\` at the end of its run (${new Date().toISOString()}, ` +
      `Keycloak at ${KEYCLOAK_URL}), ${report.size} rows. "expected" is what the test asserts; "observed" is what ` +
      "the service answered: status; the WWW-Authenticate error (and scope); the body's code or fields; and, for " +
      'service-b, how many calls reached its next hop (a counting stand-in for service-c) during the case. Each ' +
      'row is asserted by a test; when one fails, its row still shows what was observed.',
  ]);
  await Promise.all([...rigs.values()].map((rig) => rig.stop()));
  await fixtures?.remove();
}, 60_000);

/** The token with one payload claim changed (its signature no longer matches; for tokens refused on other grounds). */
function withClaim(token: string, name: string, value: string): string {
  const [header, payload, signature] = token.split('.');
  const claims = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), [name]: value };
  return [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
}

function codeFor(e: Expected, mode: Mode): string | undefined {
  return typeof e.code === 'string' ? e.code : e.code?.[mode];
}

function expectedCell(e: Expected, mode: Mode, atServiceB: boolean): string {
  const challenge =
    e.challenge === 'no_error'
      ? `no error code (${e.exactChallenge
          ?.match(/\b(Bearer|DPoP) realm/g)
          ?.map((m) => m.split(' ')[0])
          .join(', ')})`
      : e.scheme === 'DPoP'
        ? `DPoP ${e.challenge}`
        : (e.challenge ?? 'no challenge');
  const parts = [String(e.status), challenge];
  if (e.scope) parts[1] += ` scope="${e.scope}"`;
  const code = codeFor(e, mode);
  if (code) parts.push(`code ${code}`);
  if (e.fields) parts.push(`fields ${e.fields.join(',')}`);
  if (atServiceB) parts.push('service-c calls +0');
  return parts.join('; ');
}

/** What every refusal must hold: a 4xx, no stack trace, and the credential not echoed in body or challenge. */
function expectCleanRefusal(res: Observed) {
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  expect(res.text).not.toMatch(/\bat .+:\d+:\d+|Error:/);
  for (const part of (res.credential ?? '').split(/\s+/).filter((p) => p.length >= 16)) {
    expect(res.text).not.toContain(part);
    expect(res.wwwAuthenticate ?? '').not.toContain(part);
  }
}

/**
 * The challenge without its `resource_metadata` parameters, once each challenge in it (one per scheme) is found to
 * end with the one RFC 9728 §5.1 asks for: the URL of the service's metadata at the origin the request went to.
 */
function withoutMetadata(res: Observed): string | null {
  if (res.wwwAuthenticate === null || res.url === undefined) return res.wwwAuthenticate;
  const metadata = `, resource_metadata="${new URL(res.url).origin}/.well-known/oauth-protected-resource"`;
  const schemes = res.wwwAuthenticate.match(/(^|, )(Bearer|DPoP) realm=/g) ?? [];
  expect(res.wwwAuthenticate.split(metadata).length - 1).toBe(schemes.length);
  expect(res.wwwAuthenticate.endsWith(metadata)).toBe(true);
  return res.wwwAuthenticate.replaceAll(metadata, '');
}

function expectAnswer(observed: Observed, e: Expected, mode: Mode) {
  const res = { ...observed, wwwAuthenticate: withoutMetadata(observed) };
  expect(res.status).toBe(e.status);
  expectCleanRefusal(res);
  if (e.challenge === null) expect(res.wwwAuthenticate).toBeNull();
  else if (e.challenge === 'no_error') {
    // RFC 6750 §3.1: no credentials at all, no error code in the challenge (the body still says why).
    expect(res.wwwAuthenticate).toBe(e.exactChallenge);
    expect(res.body).toMatchObject({ statusCode: e.status, error: 'invalid_token' });
  } else {
    const pattern =
      e.scheme === 'DPoP'
        ? dpopChallenge(e.challenge)
        : e.challenge === 'invalid_token'
          ? INVALID_TOKEN
          : INSUFFICIENT_SCOPE;
    expect(res.wwwAuthenticate).toMatch(pattern);
    expect(res.body).toMatchObject({ statusCode: e.status, error: e.challenge });
  }
  if (e.scope) expect(res.wwwAuthenticate).toContain(`scope="${e.scope}"`);
  const code = codeFor(e, mode);
  if (code) expect(res.body.code).toBe(code);
  if (e.fields)
    expect(res.body).toMatchObject({ statusCode: 400, error: 'invalid_request', fields: e.fields });
}

describe.each(MODES)('attacks on the chain (%s mode)', (mode) => {
  const rig = () => rigs.get(mode)!;
  const tokens = () => fixtures!.tokens;
  const serviceC = () => `${stacks()[mode]['service-c']}/api/compute`;
  const atServiceB = (token: string) =>
    send(rig().processUrl, { authorization: `Bearer ${token}`, body: ORDER });

  // First, on a service-b that has not loaded the JWKS yet: the most a flood can make it fetch.
  it(`${KID_FLOOD} tokens with random kids at once: all 401, Keycloak's JWKS fetched at most ${JWKS_FETCH_BOUND} times`, async () => {
    const { keycloak, serviceC: counted } = rig();
    const before = {
      jwks: keycloak.counts().jwks,
      introspect: keycloak.counts().introspection,
      c: counted.calls(),
    };
    const answers = await Promise.all(tokens().randomKids.map(atServiceB));
    const jwks = keycloak.counts().jwks - before.jwks;
    const introspections = keycloak.counts().introspection - before.introspect;
    const calls = counted.calls() - before.c;
    const statuses = [...new Set(answers.map((a) => a.status))].join(',');
    const challenges = [...new Set(answers.map((a) => challengeSummary(a.wwwAuthenticate)))].join(',');
    report.add({
      case: `${KID_FLOOD} tokens with random kids, at once → service-b`,
      mode,
      expected: `all 401; invalid_token; JWKS fetches ≤ ${JWKS_FETCH_BOUND}; introspections 0; service-c calls +0`,
      observed: `all ${statuses}; ${challenges}; JWKS fetches ${jwks}; introspections ${introspections}; service-c calls +${calls}`,
    });
    expect(statuses).toBe('401');
    for (const a of answers) {
      expect(withoutMetadata(a)).toMatch(INVALID_TOKEN);
      expectCleanRefusal(a);
    }
    expect(jwks).toBeLessThanOrEqual(JWKS_FETCH_BOUND);
    // Both modes check the signature against the realm's JWKS first: a forged token costs no introspection.
    expect(introspections).toBe(0);
    expect(calls).toBe(0);
  });

  it(`${KID_FLOOD} distinct tokens that fail on their own claims (alg none, expired): all 401, 0 introspections`, async () => {
    const { keycloak, serviceC: counted } = rig();
    const before = { introspect: keycloak.counts().introspection, c: counted.calls() };
    const junk = Array.from({ length: KID_FLOOD }, (_, i) =>
      withClaim(i % 2 ? tokens().algNone : tokens().expired, 'jti', `flood-${i}`),
    );
    const answers = await Promise.all(junk.map(atServiceB));
    const introspections = keycloak.counts().introspection - before.introspect;
    const calls = counted.calls() - before.c;
    const statuses = [...new Set(answers.map((a) => a.status))].join(',');
    report.add({
      case: `${KID_FLOOD} distinct alg-none / expired tokens, at once → service-b`,
      mode,
      expected: 'all 401; invalid_token; introspections 0; service-c calls +0',
      observed: `all ${statuses}; introspections ${introspections}; service-c calls +${calls}`,
    });
    expect(statuses).toBe('401');
    for (const a of answers) expect(withoutMetadata(a)).toMatch(INVALID_TOKEN);
    // Introspection mode checks a token's own header and claims before it spends a call on it.
    expect(introspections).toBe(0);
    expect(calls).toBe(0);
  });

  it('positive control: a good token passes and the counting service-c IS called, with an exchanged token', async () => {
    const before = rig().serviceC.calls();
    const res = await atServiceB(tokens().serviceA);
    const calls = rig().serviceC.calls() - before;
    report.add({
      case: "positive control: service-a's token → service-b",
      mode,
      expected: '200; no challenge; service-c calls +1',
      observed: observedCell(res, calls),
    });
    expect(res.status).toBe(200);
    expect(res.body.service_c).toEqual({ result: 42, msg: 'Service C successfully processed request' });
    expect(calls).toBe(1);
    // service-b sent the exchanged token under the DPoP scheme, with a proof of the key the token is bound to.
    const authorization = rig().serviceC.lastAuthorization() ?? '';
    expect(authorization).toMatch(/^DPoP /);
    const forwarded = claimsOf(authorization.replace(/^DPoP /, ''));
    expect(forwarded).toMatchObject({ azp: 'service-b', aud: 'service-c', typ: 'DPoP' });
    const proof = rig().serviceC.lastDpop() ?? '';
    const jkt = await calculateJwkThumbprint(decodeProtectedHeader(proof).jwk!);
    expect(forwarded.cnf).toMatchObject({ jkt });
  });

  it('a good token with a bad body: 400 before the token exchange — 0 exchanges at Keycloak, then 1 for a good body', async () => {
    const { keycloak, serviceC: counted } = rig();
    // A token service-b has never exchanged, so its exchange cache cannot hide a call.
    const fresh = await serviceToken('service-a');
    const before = { exchanges: keycloak.counts().token_exchange, c: counted.calls() };
    const bad = await send(rig().processUrl, {
      authorization: `Bearer ${fresh}`,
      body: JSON.stringify({ order_id: 'x', amount: -1 }),
    });
    const exchangesForBad = keycloak.counts().token_exchange - before.exchanges;
    const good = await send(rig().processUrl, { authorization: `Bearer ${fresh}`, body: ORDER });
    const exchangesForGood = keycloak.counts().token_exchange - before.exchanges - exchangesForBad;
    report.add({
      case: 'a fresh good token with a bad body, then with a good one → service-b',
      mode,
      expected: '400 fields order_id,amount; exchanges +0; then 200; exchanges +1',
      observed: `${bad.status} fields ${String(bad.body.fields)}; exchanges +${exchangesForBad}; then ${good.status}; exchanges +${exchangesForGood}`,
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'invalid_request', fields: ['order_id', 'amount'] });
    expect(exchangesForBad).toBe(0);
    expect(good.status).toBe(200);
    expect(exchangesForGood).toBe(1);
    expect(counted.calls() - before.c).toBe(1);
  });

  it('positive control: the real service-c lets a DPoP-bound exchanged token with a valid proof through', async () => {
    const { proof } = await validProof(tokens().dpopKey, serviceC(), tokens().forCBound);
    const res = await send(serviceC(), {
      authorization: `DPoP ${tokens().forCBound}`,
      dpop: proof,
      body: '{"value": 21}',
    });
    report.add({
      case: "positive control: service-b's exchanged token → service-c",
      mode,
      expected: '200; no challenge',
      observed: observedCell(res),
    });
    expect(res.status).toBe(200);
    expect(res.body.result).toBe(42);
  });

  it("positive control: service-b's quote route lets service-a's DPoP-bound token with a valid proof through", async () => {
    const url = rig().processUrl.replace(/\/api\/process$/, '/api/quote');
    const before = rig().serviceC.calls();
    const { proof } = await validProof(tokens().dpopKey, url, tokens().serviceABound);
    const res = await send(url, {
      authorization: `DPoP ${tokens().serviceABound}`,
      dpop: proof,
      body: ORDER,
    });
    const calls = rig().serviceC.calls() - before;
    report.add({
      case: "positive control: service-a's DPoP-bound token and proof → service-b's quote route",
      mode,
      expected: '200; no challenge; service-c calls +0',
      observed: observedCell(res, calls),
    });
    expect(res.status).toBe(200);
    expect(res.body.hop).toMatchObject({ azp: 'service-a' });
    expect(calls).toBe(0);
  });

  describe.each(ATTACK_GROUPS.map((g) => [g.title, g.cases] as const))('%s', (_title, cases) => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c: AttackCase) => {
      const atB = c.at === 'service-b';
      const before = rig().serviceC.calls();
      const res = await c.send(atB ? rig().processUrl : serviceC(), tokens());
      const calls = atB ? rig().serviceC.calls() - before : undefined;
      report.add({
        case: `${c.name} → ${c.at}`,
        mode,
        expected: expectedCell(c.expected, mode, atB),
        observed: observedCell(res, calls),
      });
      expectAnswer(res, c.expected, mode);
      if (atB) expect(calls).toBe(0);
    });
  });

  it('a 100 KB Authorization header gets a clean 431, and service-b still answers afterwards', async () => {
    const before = rig().serviceC.calls();
    const res = await sendRaw(rig().processUrl, [`Bearer ${'a'.repeat(100 * 1024)}`], ORDER);
    const calls = rig().serviceC.calls() - before;
    report.add({
      case: 'a 100 KB Authorization header → service-b',
      mode,
      expected: '431 (or 401); service-c calls +0',
      observed: observedCell(res, calls),
    });
    expect([431, 401]).toContain(res.status);
    expectCleanRefusal(res);
    expect(calls).toBe(0);
    const beforeGood = rig().serviceC.calls();
    const after = await atServiceB(tokens().serviceA);
    report.add({
      case: 'a good token right after the 100 KB header → service-b',
      mode,
      expected: '200; no challenge; service-c calls +1',
      observed: observedCell(after, rig().serviceC.calls() - beforeGood),
    });
    expect(after.status).toBe(200);
    expect(rig().serviceC.calls() - beforeGood).toBe(1);
  });
});

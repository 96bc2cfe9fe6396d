import { TestClock } from '../testing/local-idp';
import { KeycloakAuthObserver, noopKeycloakAuthObserver } from '../transport/keycloak-auth.observer';
import { PermissionDecisions, VerifiedSubject } from './permission-decisions';
import type { DecisionRequest, PermissionVerdict, UmaDecisionClient } from './uma-decision.client';

/** A decision client that answers from a table and counts its calls. */
function fakeClient(verdict: (permission: string) => PermissionVerdict | Error = () => 'allowed') {
  const calls: DecisionRequest[] = [];
  const client = {
    audience: 'service-b',
    decide: (request: DecisionRequest) => {
      calls.push(request);
      return new Promise<PermissionVerdict[]>((resolve, reject) =>
        setTimeout(() => {
          const verdicts = request.permissions.map((p) => verdict(`${p.resource}#${p.scopes.join(',')}`));
          const failure = verdicts.find((v): v is Error => v instanceof Error);
          if (failure) reject(failure);
          else resolve(verdicts as PermissionVerdict[]);
        }, 5),
      );
    },
  };
  return { client: client as unknown as UmaDecisionClient, calls };
}

const order = (scope: string) => ({ resource: 'order', scopes: [scope] });

/** What a case may change of the decision path it tests; the rest as most cases want it. */
interface Arrangement {
  verdict?: (permission: string) => PermissionVerdict | Error;
  ttlMs?: number;
  maxEntries?: number;
  observer?: KeycloakAuthObserver;
}

describe('PermissionDecisions', () => {
  const clock = new TestClock(1_000_000);
  const subject = (token = 't1', expiresInSec = 300): VerifiedSubject => ({
    token,
    claims: {},
    expiresAt: clock.now() / 1000 + expiresInSec,
  });
  /** The decisions under test on the case's clock, over {@link fakeClient}, and the calls it got. */
  const arrange = ({
    verdict,
    ttlMs = 60_000,
    maxEntries = 10,
    observer = noopKeycloakAuthObserver,
  }: Arrangement = {}) => {
    const { client, calls } = fakeClient(verdict);
    return { decisions: new PermissionDecisions(client, clock, { ttlMs, maxEntries }, observer), calls };
  };

  it('keeps a decision for the TTL, then asks again', async () => {
    const { decisions, calls } = arrange({ ttlMs: 30_000 });
    const s = subject();
    await decisions.check(s, [order('read')]);
    clock.advance(29_000);
    expect((await decisions.check(s, [order('read')]))[0].source).toBe('cache');
    clock.advance(2_000);
    expect((await decisions.check(s, [order('read')]))[0].source).toBe('keycloak');
    expect(calls).toHaveLength(2);
  });

  it("never keeps a decision past the token's exp", async () => {
    const { decisions, calls } = arrange();
    const s = subject('t2', 10);
    await decisions.check(s, [order('read')]);
    clock.advance(11_000);
    await decisions.check(s, [order('read')]);
    expect(calls).toHaveLength(2);
  });

  it('keeps decisions apart per token, per permission and per pushed claims', async () => {
    const { decisions, calls } = arrange();
    await decisions.check(subject('a'), [order('read')]);
    await decisions.check(subject('b'), [order('read')]);
    await decisions.check(subject('a'), [order('approve')]);
    await decisions.check(subject('a'), [order('read')], { 'http.method': ['GET'] });
    await decisions.check(subject('a'), [order('read')], { 'http.method': ['GET'] });
    expect(calls).toHaveLength(4);
    expect(calls[0].subjectToken).toBe('a');
  });

  it('holds at most maxEntries decisions', async () => {
    const { decisions, calls } = arrange({ maxEntries: 2 });
    for (const scope of ['a', 'b', 'c']) await decisions.check(subject(), [order(scope)]);
    await decisions.check(subject(), [order('a')]);
    expect(calls).toHaveLength(4);
  });

  it('caches denials too, but no failure: the next request asks again', async () => {
    let fail = true;
    const { decisions, calls } = arrange({
      verdict: (p) => (p === 'order#read' && fail ? new Error('down') : 'denied'),
    });
    await expect(decisions.check(subject(), [order('read')])).rejects.toThrow('down');
    fail = false;
    expect((await decisions.check(subject(), [order('read')]))[0].verdict).toBe('denied');
    expect((await decisions.check(subject(), [order('read')]))[0].source).toBe('cache');
    expect(calls).toHaveLength(2);
  });

  it('single flight: concurrent checks of one token and permission share one call, joiners counted as cache', async () => {
    const events: string[] = [];
    const { decisions, calls } = arrange({
      observer: { ...noopKeycloakAuthObserver, authorized: (e) => void events.push(e.source) },
    });
    const s = subject('flight');
    await Promise.all(Array.from({ length: 100 }, () => decisions.check(s, [order('approve')])));
    expect(calls).toHaveLength(1);
    expect(events.filter((e) => e === 'keycloak')).toHaveLength(1);
    expect(events.filter((e) => e === 'cache')).toHaveLength(99);
  });

  it('asks only for what neither the RPT nor the cache answers, in one call', async () => {
    const { decisions, calls } = arrange();
    const rpt: VerifiedSubject = {
      ...subject('rpt'),
      claims: { authorization: { permissions: [{ rsid: 'x', rsname: 'order', scopes: ['read'] }] } },
    };
    await decisions.check(rpt, [order('approve')]);
    const checks = await decisions.check(rpt, [
      order('read'),
      order('approve'),
      order('delete'),
      order('list'),
    ]);
    expect(checks.map((c) => c.source)).toEqual(['claim', 'cache', 'keycloak', 'keycloak']);
    expect(calls).toHaveLength(2);
    expect(calls[1].permissions.map((p) => p.scopes[0])).toEqual(['delete', 'list']);
  });
});

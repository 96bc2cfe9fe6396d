import { noCalls } from '../keycloak-proxy/counting-proxy';
import { TEST_MACHINE as machine } from './machine.fixture';
import { sizingAdvice, usersMarkdown } from './users-markdown';
import { bytesPerUser, checkUsersTargets, hitRate, UsersMode, UsersReport, UsersRun } from './users-report';

const MiB = 2 ** 20;

/** A run of `users` over `bound` with `exchanges` in `sent` requests and service-b's heap going from 50 MiB up by `growth`. */
function run(
  users: number,
  bound: number,
  exchanges: number,
  sent: number,
  growth: number,
  mode: UsersMode = 'jwt',
): UsersRun {
  return {
    id: `${mode}-users-${users}-${bound}`,
    title: `${users} users, bound ${bound}`,
    mode,
    users,
    cacheMaxEntries: bound,
    warmupRequests: Math.min(users, bound),
    sent,
    requests: sent,
    durationSec: 10,
    reqPerSec: sent / 10,
    latencyMs: { p50: 10, p99: users > bound ? 300 : 30, mean: 12, max: 400 },
    non2xx: 0,
    errors: 0,
    keycloakCalls: { ...noCalls(), token_exchange: exchanges },
    cpuMs: { 'service-b': sent * 0.6, 'service-c': sent * 0.6, keycloak: exchanges * 12 },
    heapUsedMiB: { before: 50, after: 50 + growth },
  };
}

function report(runs: UsersRun[], modes: UsersMode[] = ['jwt']): UsersReport {
  return {
    startedAt: '2026-01-01T00:00:00.000Z',
    machine,
    settings: { modes, durationSec: 10, warmupSec: 3, connections: 20 },
    setup: { users: 10_000, createSec: 40, tokensSec: 60 },
    runs,
  };
}

// 2 MiB of warming up in every run; 10 000 users add 30 MiB more: 3 145.7 bytes each.
const measured = report([
  run(1, 10_000, 0, 10_000, 2),
  run(1000, 10_000, 0, 10_000, 5),
  run(10_001, 10_000 + 1, 0, 10_000, 32),
  run(10_000, 1000, 800, 800, 2 + 3),
]);

describe('users report', () => {
  it('the hit rate is 1 − exchanges per request', () => {
    expect(hitRate(run(1000, 10_000, 0, 5000, 1))).toBe(1);
    expect(hitRate(run(10_000, 1000, 500, 500, 1))).toBe(0);
    expect(hitRate(run(10_000, 1000, 250, 1000, 1))).toBe(0.75);
    expect(hitRate(run(10_000, 1000, 0, 0, 1))).toBeUndefined();
  });

  it('bytes per user: the biggest fitting run’s growth beyond the one-token run’s, over its users', () => {
    expect(bytesPerUser(measured, 'jwt')).toBeCloseTo((30 * MiB) / 10_000, 6);
    expect(
      bytesPerUser(report([run(1, 10_000, 0, 100, 1), run(10_000, 1000, 10, 10, 1)]), 'jwt'),
    ).toBeUndefined();
    expect(bytesPerUser(measured, 'introspection')).toBeUndefined();
  });

  it('both targets met: the thrashing run stayed within its bound’s entries, the fitting runs made no exchange', () => {
    const targets = checkUsersTargets(measured);
    expect(targets.map((t) => t.met)).toEqual([true, true]);
    expect(targets[0].detail).toBe('jwt, 10 000 users over 1 000: +3.0 MiB (limit 12.5 MiB)');
    expect(targets[1].detail).toBe(
      'jwt, 1: 0 for 10 000; jwt, 1 000: 0 for 10 000; jwt, 10 001: 0 for 10 000',
    );
  });

  it('missed: a cache that kept every user, and an exchange in a fitting run', () => {
    const leaky = report([
      run(1, 10_000, 0, 10_000, 2),
      run(10_000, 10_000, 1, 10_000, 32),
      run(10_000, 1000, 800, 800, 32),
    ]);
    const [bounds, zero] = checkUsersTargets(leaky);
    expect(bounds.met).toBe(false);
    expect(bounds.detail).toBe('jwt, 10 000 users over 1 000: +30.0 MiB (limit 12.5 MiB)');
    expect(zero.met).toBe(false);
    expect(zero.detail).toContain('jwt, 10 000: 1 for 10 000');
  });

  it('missed when nothing could show it: no run over its bound, or no fitting run to measure an entry', () => {
    expect(checkUsersTargets(report([run(1, 10_000, 0, 100, 1)]))[0]).toMatchObject({
      met: false,
      detail: 'no run had more users than its bound',
    });
    const [bounds] = checkUsersTargets(report([run(10_000, 1000, 800, 800, 5)]));
    expect(bounds.met).toBe(false);
    expect(bounds.detail).toContain('limit unknown');
  });

  it('missed when too few users: keeping them all would not have shown above the limit', () => {
    const small = report([
      run(1, 10_000, 0, 1000, 2),
      run(1000, 10_000, 0, 1000, 5),
      run(1000, 100, 500, 500, 4),
    ]);
    const [bounds] = checkUsersTargets(small);
    expect(bounds.met).toBe(false);
    expect(bounds.detail).toBe(
      'jwt, 1 000 users over 100: +2.0 MiB (too few users to tell: keeping them all would add ≈ 3.0 MiB, within the limit 8.5 MiB)',
    );
  });

  it('the sizing advice is computed from the runs', () => {
    const advice = sizingAdvice(measured);
    expect(advice).toContain(
      'In jwt mode, 10 001 users under a bound of 10 001 made 0.000 exchange calls per request;',
    );
    // The thrashing run: 1.2 ms of service CPU and 12 ms of Keycloak's per request, against 1.2 ms for one token.
    expect(advice).toContain('10 000 users over a bound of 1 000 made 1.00 per request, at 11.0× the CPU');
    expect(advice).toContain('Memory ≈ entries × 3.1 KiB');
    expect(advice).toContain('10 000 users ≈ 30 MiB, 100 000 ≈ 300 MiB.');
  });

  it('the markdown has one row per run, p99 against the one-token run, and the targets as met or missed', () => {
    const markdown = usersMarkdown(measured);
    expect(markdown).toContain('Run 2026-01-01T00:00:00.000Z. Machine: 2 cores (Test CPU)');
    expect(markdown).toContain(
      '| jwt | 10000 users, bound 1000 | 10 000 | 1 000 | 80 | 10 | 300 (10.00×) | 1.000 | 1.000 | 0.0 % | 1.20 | 12.00 | 50.0 → 55.0 | 0 |',
    );
    expect(markdown).toContain(
      '| jwt | 1 users, bound 10000 | 1 | 10 000 | 1000 | 10 | 30 (1.00×) | 0.000 | 0.000 | 100.0 % |',
    );
    expect(markdown).toContain("- met: the caches' bounds hold");
    expect(markdown).toContain('10 000 users created in 40.0 s, their tokens made in 60.0 s');
    expect(markdown).toContain('Bytes per cached user: jwt 3 146 ');
    expect(markdown).not.toContain('INTROSPECTION_CACHE_TTL');
  });

  it('each mode is judged against its own one-token run and its own bytes per user', () => {
    const both = report(
      [
        ...measured.runs,
        run(1, 10_000, 0, 10_000, 4, 'introspection'),
        run(10_001, 10_001, 0, 10_000, 4 + 40, 'introspection'),
        run(10_000, 1000, 700, 700, 4 + 4, 'introspection'),
      ],
      ['jwt', 'introspection'],
    );
    expect(bytesPerUser(both, 'introspection')).toBeCloseTo((40 * MiB) / 10_000, 6);
    expect(checkUsersTargets(both)[0].detail).toBe(
      'jwt, 10 000 users over 1 000: +3.0 MiB (limit 12.5 MiB); introspection, 10 000 users over 1 000: +4.0 MiB (limit 14.0 MiB)',
    );
    expect(sizingAdvice(both)).toContain('In introspection mode, 10 001 users under a bound of 10 001 made');
    expect(usersMarkdown(both)).toContain('Bytes per cached user: jwt 3 146, introspection 4 194 ');
    expect(usersMarkdown(both)).toContain('INTROSPECTION_CACHE_TTL');
  });
});

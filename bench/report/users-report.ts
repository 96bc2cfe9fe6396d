import { KeycloakCallCounts, totalCalls } from '../keycloak-proxy/counting-proxy';
import { count, fixed, table, times } from './format';
import { RunHeader, runLine } from './machine';
import { perRequest, ratio } from './stats';

/** Heap growth a bounded cache may show above its entries' measured cost: what a collected heap still varies by. */
export const HEAP_SLACK_MIB = 8;
/** …and the entries' cost may be off by this factor (the per-entry figure comes from another run). */
export const HEAP_ENTRY_FACTOR = 1.5;

const MiB = 2 ** 20;

/** One measured run of the delegated chain: `users` distinct user tokens in turn, service-b's caches bounded. */
export interface UsersRun {
  id: string;
  title: string;
  /** Distinct user tokens sent, in turn (round robin). */
  users: number;
  /** `cacheMaxEntries` of service-b and service-c. */
  cacheMaxEntries: number;
  /** Requests before the window: a pass over the tokens (fewer when the bound is lower), then `warmupSec` more. */
  warmupRequests: number;
  sent: number;
  requests: number;
  durationSec: number;
  /** 2xx answers per second. */
  reqPerSec: number;
  latencyMs: { p50: number; p99: number; mean: number; max: number };
  non2xx: number;
  errors: number;
  /** Keycloak calls caused by the window's requests, by kind (the counting proxy). */
  keycloakCalls: KeycloakCallCounts;
  /** CPU milliseconds over the window (Linux /proc); a part is absent when it could not be read. */
  cpuMs: { 'service-b'?: number; 'service-c'?: number; keycloak?: number };
  /** service-b's heap after a full collection: after its first request, and after the window. */
  heapUsedMiB: { before: number; after: number };
}

/** The many-users part, as written to bench/results/users.json. */
export interface UsersReport extends RunHeader {
  settings: { mode: 'jwt'; durationSec: number; warmupSec: number; connections: number };
  /** Making the throw-away realm's users (admin API, in batches) and their tokens (password grant), seconds. */
  setup: { users: number; createSec: number; tokensSec: number };
  runs: UsersRun[];
}

/** One target, printed as met or missed. */
export interface UsersTarget {
  name: string;
  met: boolean;
  detail: string;
}

/** Exchange calls per request of the window. */
export const exchangesPerRequest = (run: UsersRun) => perRequest(run.keycloakCalls.token_exchange, run.sent);

/** Keycloak calls of every kind per request of the window. */
export const keycloakPerRequest = (run: UsersRun) => perRequest(totalCalls(run.keycloakCalls), run.sent);

/** The exchange cache's hit rate in the window, from the calls: 1 − exchanges / requests. */
export function hitRate(run: UsersRun): number | undefined {
  const exchanges = exchangesPerRequest(run);
  return exchanges === undefined ? undefined : Math.max(0, 1 - exchanges);
}

/** Entries each of service-b's caches (verified tokens, exchanged tokens) holds at the end of a run. */
export const cachedUsers = (run: UsersRun) => Math.min(run.users, run.cacheMaxEntries);

/** Whether every user of the run fits in the caches. */
export const fits = (run: UsersRun) => run.users <= run.cacheMaxEntries;

/** service-b's heap growth over the run (first request to after the window), MiB. */
export const heapGrowthMiB = (run: UsersRun) => run.heapUsedMiB.after - run.heapUsedMiB.before;

const oneToken = (report: UsersReport) => report.runs.find((run) => run.users === 1);

/**
 * service-b's heap growth over a run beyond the one-token run's, MiB: what its cached users added, the code's own
 * warming up (compiled code, pools; a few MiB) taken out. The run's own growth when there is no one-token run.
 */
export function cacheGrowthMiB(report: UsersReport, run: UsersRun): number {
  const base = oneToken(report);
  return heapGrowthMiB(run) - (base && base !== run ? heapGrowthMiB(base) : 0);
}

/**
 * Bytes of service-b's heap per cached user (its verified token and its exchanged token), from the fitting run
 * with the most users: its {@link cacheGrowthMiB} over its users beyond the one token. Undefined without such a run
 * of at least 100 users.
 */
export function bytesPerUser(report: UsersReport): number | undefined {
  const fitting = report.runs.filter((run) => fits(run) && run.users >= 100);
  const biggest = fitting.sort((a, b) => b.users - a.users)[0];
  if (!biggest) return undefined;
  return Math.max(0, (cacheGrowthMiB(report, biggest) * MiB) / (cachedUsers(biggest) - 1));
}

/** The most a run whose users exceed its bound may add to service-b's heap (as {@link cacheGrowthMiB}), MiB. */
export function heapLimitMiB(run: UsersRun, perUser: number | undefined): number | undefined {
  if (perUser === undefined) return undefined;
  return (run.cacheMaxEntries * perUser * HEAP_ENTRY_FACTOR) / MiB + HEAP_SLACK_MIB;
}

/** The brief's targets: the bounds hold when users exceed them, and fitting users cost no exchange in steady state. */
export function checkUsersTargets(report: UsersReport): UsersTarget[] {
  const perUser = bytesPerUser(report);
  const over = report.runs.filter((run) => !fits(run));
  const bounded = over.map((run) => {
    const limit = heapLimitMiB(run, perUser);
    return { run, limit, ok: limit !== undefined && cacheGrowthMiB(report, run) <= limit };
  });
  const fitting = report.runs.filter(fits);
  const zero = fitting.filter((run) => run.keycloakCalls.token_exchange === 0);
  return [
    {
      name: "the caches' bounds hold when the users exceed them (service-b's heap grows by the bound's entries, not the users')",
      met: over.length > 0 && bounded.every((b) => b.ok),
      detail:
        over.length === 0
          ? 'no run had more users than its bound'
          : bounded
              .map(
                ({ run, limit }) =>
                  `${count(run.users)} users over ${count(run.cacheMaxEntries)}: +${fixed(cacheGrowthMiB(report, run), 1)} MiB ` +
                  `(limit ${limit === undefined ? 'unknown: no fitting run to measure an entry' : `${fixed(limit, 1)} MiB`})`,
              )
              .join('; '),
    },
    {
      name: '0 exchange calls per request in steady state when the bound ≥ the users',
      met: fitting.length > 0 && zero.length === fitting.length,
      detail: fitting
        .map(
          (run) => `${count(run.users)}: ${count(run.keycloakCalls.token_exchange)} for ${count(run.sent)}`,
        )
        .join('; '),
    },
  ];
}

/** The sizing advice, computed from the runs. */
export function sizingAdvice(report: UsersReport): string {
  const perUser = bytesPerUser(report);
  const fitting = report.runs
    .filter((run) => fits(run) && run.users > 1)
    .sort((a, b) => b.users - a.users)[0];
  const over = report.runs.find((run) => !fits(run));
  const parts = [
    'Set `cacheMaxEntries` to the distinct users active within one token lifetime (an entry is kept until its ' +
      'token expires, unless the bound evicts it first):',
  ];
  if (fitting)
    parts.push(
      `with ${count(fitting.users)} users under a bound of ${count(fitting.cacheMaxEntries)}, ` +
        `${fixed(exchangesPerRequest(fitting), 3)} exchange calls per request;`,
    );
  if (over) {
    const base = oneToken(report);
    const cpu = (run: UsersRun) =>
      perRequest(
        (run.cpuMs['service-b'] ?? 0) + (run.cpuMs['service-c'] ?? 0) + (run.cpuMs.keycloak ?? 0),
        run.sent,
      );
    const cost = base ? ratio(cpu(over) ?? NaN, cpu(base)) : undefined;
    parts.push(
      `with ${count(over.users)} users over a bound of ${count(over.cacheMaxEntries)}, ` +
        `${fixed(exchangesPerRequest(over), 2)} per request${cost === undefined ? '' : ` and ${times(cost, 1)} the CPU per request of one token`}.`,
    );
  }
  if (perUser !== undefined)
    parts.push(
      `Memory ≈ entries × ${fixed(perUser / 1024, 1)} KiB of service-b's heap per cached user (its verified and its ` +
        `exchanged token): 10 000 users ≈ ${fixed((10_000 * perUser) / MiB, 0)} MiB, ` +
        `100 000 ≈ ${fixed((100_000 * perUser) / MiB, 0)} MiB.`,
    );
  return parts.join(' ');
}

/** The report as markdown: the runs' table, the targets met or missed, the sizing advice. */
export function usersMarkdown(report: UsersReport): string {
  const base = oneToken(report);
  const perUser = bytesPerUser(report);
  const msPerRequest = (ms: number | undefined, run: UsersRun) =>
    fixed(ms === undefined ? undefined : perRequest(ms, run.sent), 2);
  const rows = report.runs.map((run) => {
    const p99 = ratio(run.latencyMs.p99, base?.latencyMs.p99);
    const services =
      run.cpuMs['service-b'] === undefined || run.cpuMs['service-c'] === undefined
        ? undefined
        : run.cpuMs['service-b'] + run.cpuMs['service-c'];
    return [
      run.title,
      count(run.users),
      count(run.cacheMaxEntries),
      fixed(run.reqPerSec),
      fixed(run.latencyMs.p50),
      `${fixed(run.latencyMs.p99)} (${times(p99)})`,
      fixed(exchangesPerRequest(run), 3),
      fixed(keycloakPerRequest(run), 3),
      hitRate(run) === undefined ? '–' : `${fixed((hitRate(run) ?? 0) * 100, 1)} %`,
      msPerRequest(services, run),
      msPerRequest(run.cpuMs.keycloak, run),
      `${fixed(run.heapUsedMiB.before, 1)} → ${fixed(run.heapUsedMiB.after, 1)}`,
      `${count(run.non2xx + run.errors)}`,
    ];
  });
  const targets = checkUsersTargets(report).map(
    (t) => `- ${t.met ? 'met' : '**missed**'}: ${t.name} — ${t.detail}`,
  );
  return [
    runLine(report),
    '',
    `The delegated chain in ${report.settings.mode} mode: user tokens (aud service-b, scope orders.read) sent in ` +
      `turn to service-b \`POST /api/process\`, which exchanges each (RFC 8693) for service-c. Each run: fresh ` +
      `services, one pass over its tokens as warm-up (the bound's worth when the users exceed it), ` +
      `${report.settings.warmupSec} s more, then ${report.settings.durationSec} s measured with ` +
      `${report.settings.connections} connections. Hit rate = 1 − exchange calls / requests in that window. ` +
      `${count(report.setup.users)} users created in ${fixed(report.setup.createSec, 1)} s, their tokens made in ` +
      `${fixed(report.setup.tokensSec, 1)} s, before any measurement.`,
    '',
    table(
      [
        'run',
        'users',
        'bound',
        'req/s',
        'p50 ms',
        'p99 ms (× one token)',
        'exchanges/req',
        'Keycloak calls/req',
        'hit rate',
        'service CPU ms/req',
        'Keycloak CPU ms/req',
        'service-b heap MiB',
        'failed',
      ],
      rows,
    ),
    '',
    `Bytes per cached user: ${perUser === undefined ? '–' : count(perUser)} (service-b's heap growth in the ` +
      `biggest fitting run beyond the one-token run's, over its users). A run over its bound may add at most ` +
      `bound × that × ${HEAP_ENTRY_FACTOR} + ${HEAP_SLACK_MIB} MiB.`,
    '',
    ...targets,
    '',
    sizingAdvice(report),
  ].join('\n');
}

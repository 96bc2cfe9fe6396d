import { KeycloakCallCounts, totalCalls } from '../keycloak-proxy/counting-proxy';
import { count, fixed } from './format';
import { RunHeader } from './machine';
import { perRequest } from './stats';
import { LoadWindow } from './load-window';

/** Heap growth a bounded cache may show above its entries' measured cost: what a collected heap still varies by. */
export const HEAP_SLACK_MIB = 8;
/** …and the entries' cost may be off by this factor (the per-entry figure comes from another run). */
export const HEAP_ENTRY_FACTOR = 1.5;

const MiB = 2 ** 20;

/** The modes service-b and service-c validate tokens in. */
export const USERS_MODES = ['jwt', 'introspection'] as const;
/** One of {@link USERS_MODES}. */
export type UsersMode = (typeof USERS_MODES)[number];

/** One measured run of the delegated chain: `users` distinct user tokens in turn, service-b's caches bounded. */
export interface UsersRun extends LoadWindow {
  id: string;
  title: string;
  /** service-b's and service-c's AUTH_MODE. */
  mode: UsersMode;
  /** Distinct user tokens sent, in turn (round robin). */
  users: number;
  /** `verification.cacheMaxEntries` of service-b and service-c. */
  cacheMaxEntries: number;
  /** Requests before the window: a pass over the tokens (fewer when the bound is lower), then `warmupSec` more. */
  warmupRequests: number;
  /** Keycloak calls caused by the window's requests, by kind (the counting proxy). */
  keycloakCalls: KeycloakCallCounts;
  /** CPU milliseconds over the window (Linux /proc); a part is absent when it could not be read. */
  cpuMs: { 'service-b'?: number; 'service-c'?: number; keycloak?: number };
  /** service-b's heap after a full collection: after its first request, and after the window. */
  heapUsedMiB: { before: number; after: number };
}

/** The many-users part, as written to bench/results/users.json. */
export interface UsersReport extends RunHeader {
  settings: { modes: UsersMode[]; durationSec: number; warmupSec: number; connections: number };
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

/** The one-token run of `mode`: the baseline of that mode's runs. */
export const oneToken = (report: UsersReport, mode: UsersMode) =>
  report.runs.find((run) => run.users === 1 && run.mode === mode);

/**
 * service-b's heap growth over a run beyond the one-token run's, MiB: what its cached users added, the code's own
 * warming up (compiled code, pools; a few MiB) taken out. The run's own growth when there is no one-token run.
 */
export function cacheGrowthMiB(report: UsersReport, run: UsersRun): number {
  const base = oneToken(report, run.mode);
  return heapGrowthMiB(run) - (base && base !== run ? heapGrowthMiB(base) : 0);
}

/**
 * Bytes of service-b's heap per cached user in `mode` (its verified token or introspection answer, and its
 * exchanged token), from that mode's fitting run with the most users: its {@link cacheGrowthMiB} over its users
 * beyond the one token. Undefined without such a run of at least 100 users.
 */
export function bytesPerUser(report: UsersReport, mode: UsersMode): number | undefined {
  const fitting = report.runs.filter((run) => run.mode === mode && fits(run) && run.users >= 100);
  const biggest = fitting.sort((a, b) => b.users - a.users)[0];
  if (!biggest) return undefined;
  return Math.max(0, (cacheGrowthMiB(report, biggest) * MiB) / (cachedUsers(biggest) - 1));
}

/** The most a run whose users exceed its bound may add to service-b's heap (as {@link cacheGrowthMiB}), MiB. */
export function heapLimitMiB(run: UsersRun, perUser: number | undefined): number | undefined {
  if (perUser === undefined) return undefined;
  return (run.cacheMaxEntries * perUser * HEAP_ENTRY_FACTOR) / MiB + HEAP_SLACK_MIB;
}

/**
 * Whether a run over its bound kept service-b's heap within the bound's entries: judged only when keeping every
 * user would have shown above the limit (with few users the difference is within what a collected heap varies by).
 */
function boundHeld(report: UsersReport, run: UsersRun): { ok: boolean; detail: string } {
  const perUser = bytesPerUser(report, run.mode);
  const limit = heapLimitMiB(run, perUser);
  const head = `${run.mode}, ${count(run.users)} users over ${count(run.cacheMaxEntries)}: +${fixed(cacheGrowthMiB(report, run), 1)} MiB`;
  if (perUser === undefined || limit === undefined)
    return { ok: false, detail: `${head} (limit unknown: no fitting run to measure an entry)` };
  const everyone = (run.users * perUser) / MiB;
  if (everyone <= limit)
    return {
      ok: false,
      detail: `${head} (too few users to tell: keeping them all would add ≈ ${fixed(everyone, 1)} MiB, within the limit ${fixed(limit, 1)} MiB)`,
    };
  return { ok: cacheGrowthMiB(report, run) <= limit, detail: `${head} (limit ${fixed(limit, 1)} MiB)` };
}

/** The brief's targets: the bounds hold when users exceed them, and fitting users cost no exchange in steady state. */
export function checkUsersTargets(report: UsersReport): UsersTarget[] {
  const over = report.runs.filter((run) => !fits(run));
  const bounded = over.map((run) => boundHeld(report, run));
  const fitting = report.runs.filter(fits);
  const zero = fitting.filter((run) => run.keycloakCalls.token_exchange === 0);
  return [
    {
      name: "the caches' bounds hold when the users exceed them (service-b's heap grows by the bound's entries, not the users')",
      met: over.length > 0 && bounded.every((b) => b.ok),
      detail:
        over.length === 0 ? 'no run had more users than its bound' : bounded.map((b) => b.detail).join('; '),
    },
    {
      name: '0 exchange calls per request in steady state when the bound ≥ the users',
      met: fitting.length > 0 && zero.length === fitting.length,
      detail: fitting
        .map(
          (run) =>
            `${run.mode}, ${count(run.users)}: ${count(run.keycloakCalls.token_exchange)} for ${count(run.sent)}`,
        )
        .join('; '),
    },
  ];
}

import { parseArgs } from 'node:util';
import { PEER_APP_IDS } from './peers/peer-apps';
import { SCENARIO_IDS, ScenarioId } from './report/chain-report';
import { USERS_MODES, UsersMode } from './report/users-report';

/** The parts of `npm run bench`. */
export const PARTS = ['chain', 'guard', 'memory', 'peers', 'users'] as const;
/** One of {@link PARTS}. */
export type Part = (typeof PARTS)[number];

/** Everything `npm run bench -- …` can be told. */
export interface BenchOptions {
  parts: Part[];
  /** Chain: seconds measured per scenario, warm-up seconds before, concurrent connections. */
  durationSec: number;
  warmupSec: number;
  warmupRequests: number;
  connections: number;
  /** Chain: each scenario is measured once per round, the scenarios taking turns. */
  rounds: number;
  scenarios: ScenarioId[];
  /** Chain: req/s of each round's fixed-rate window (0: none). */
  chainCpuRatePerSec: number;
  /** Chain: seconds of proof signing per algorithm for the DPoP floor and for the replay stores' check (0: neither). */
  dpopSec: number;
  /** The services' LOG_LEVEL during the chain benchmark. */
  logLevel: string;
  /** Chain: run the services with --cpu-prof, profiles under artifacts/bench-profiles/. */
  profile: boolean;
  /** Guard micro-benchmark: seconds per case. */
  guardSec: number;
  /** Memory check: distinct tokens, and the cache bound they go through. */
  memoryTokens: number;
  cacheMaxEntries: number;
  /**
   * Peers: the apps to run (`--peers`; their bare ceilings are added), and the window settings: `--duration`,
   * `--warmup` and `--rounds` when given, else shorter defaults than the chain's (26 apps take turns).
   */
  peers: { apps: string[]; durationSec: number; warmupSec: number; rounds: number; cpuRatePerSec: number };
  /** Many users: the distinct user counts, ascending (the biggest is created; the others use a prefix of it). */
  users: number[];
  /** Many users: the cache bound of the run whose bound is below the biggest user count. */
  usersThrashBound: number;
  /** Many users: the modes service-b and service-c run in, each with all the runs. */
  usersModes: UsersMode[];
  /** A remark written into the results (e.g. that the machine was busy). */
  note?: string;
  /** Also write the tables into docs/benchmark.md (the flag is `--readme`). */
  readme: boolean;
  help: boolean;
}

/** A bad command line: printed as one line, with the usage. */
export class UsageError extends Error {}

/** The usage text of `npm run bench`. */
export const USAGE = `npm run bench [-- options]
  --only chain,guard,memory,peers,users  parts to run (default: all five)
  --duration <s>              chain, peers: seconds measured per scenario or app (default 10; peers 4)
  --warmup <s>                chain, peers: warm-up seconds before each measurement (default 3; peers 1)
  --warmup-requests <n>       chain: warm up longer until n answers, at most max(5 × --warmup, 15 s) (default 2000)
  --connections <n>           chain: concurrent connections (default 20; --concurrency is the same)
  --rounds <n>                chain, peers: measure each n times, taking turns; medians reported (default 3; peers 2)
  --peers <ids>               peers: the apps to run, their bare routes added (default: all), e.g.
                              ours-fastify-jwt,ours-fastify-introspection; ids: bench/peers/peer-apps.ts
  --cpu-rate <n>              peers: req/s of the window comparing this library's CPU per request with the bare
                              route's at one load (default 4000; 0: none, CPU compared at full speed)
  --chain-cpu-rate <n>        chain: req/s of the window each round compares CPU per request at (default 500; 0:
                              none, CPU compared at full speed); the uncached chain gets none
  --dpop-seconds <s>          chain: seconds of proof signing per algorithm for the DPoP floor, and for the replay
                              stores' check (in process, Redis) (default 2; 0: neither)
  --scenarios <ids>           chain: ${SCENARIO_IDS.join(',')} (default: all)
  --log-level <level>         chain: the services' LOG_LEVEL (default warn: no request log lines)
  --profile                   chain: services run with --cpu-prof; profiles in artifacts/bench-profiles/
  --guard-seconds <s>         guard micro-benchmark: seconds per case (default 2)
  --memory-tokens <n>         memory check: distinct tokens (default 100000)
  --cache-max-entries <n>     memory check: the cache bound (default 10000, the library's default)
  --users <n,n,…>             users: distinct user tokens per run, besides the one-token run (default 1000,10000)
  --users-thrash-bound <n>    users: the cache bound of the run below the biggest count (default a tenth of it)
  --users-modes <modes>       users: jwt, introspection (comma separated; default jwt)
  --note <text>               a remark stored with the results (e.g. "machine busy with other jobs")
  --readme                    also write the tables into docs/benchmark.md, between its bench:<part> markers`;

function list<T extends string>(flag: string, value: string, allowed: readonly T[]): T[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = items.filter((item) => !allowed.includes(item as T));
  if (items.length === 0 || unknown.length > 0)
    throw new UsageError(`${flag} takes ${allowed.join(', ')} (comma separated), got "${value}"`);
  return allowed.filter((item) => items.includes(item));
}

function positive(flag: string, value: string, { integer = false, zero = false } = {}): number {
  const n = Number(value);
  const ok = Number.isFinite(n) && (zero ? n >= 0 : n > 0) && (!integer || Number.isInteger(n));
  if (value.trim() === '' || !ok)
    throw new UsageError(
      `${flag} takes a ${integer ? 'whole ' : ''}number ${zero ? '>= 0' : '> 0'}, got "${value}"`,
    );
  return n;
}

/** `--users`: whole numbers ≥ 2 (one token is always measured), comma separated; ascending, without repeats. */
function userCounts(value: string): number[] {
  const items = value.split(',').map((s) => s.trim());
  const counts = items.map(Number);
  if (items.some((s) => s === '') || counts.some((n) => !Number.isInteger(n) || n < 2))
    throw new UsageError(`--users takes whole numbers >= 2, comma separated, got "${value}"`);
  return [...new Set(counts)].sort((a, b) => a - b);
}

/** Parses `npm run bench`'s arguments; throws {@link UsageError} naming the bad one. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        only: { type: 'string' },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        'warmup-requests': { type: 'string' },
        connections: { type: 'string' },
        concurrency: { type: 'string' },
        rounds: { type: 'string' },
        scenarios: { type: 'string' },
        'log-level': { type: 'string' },
        profile: { type: 'boolean' },
        'guard-seconds': { type: 'string' },
        'memory-tokens': { type: 'string' },
        'cache-max-entries': { type: 'string' },
        peers: { type: 'string' },
        'cpu-rate': { type: 'string' },
        'chain-cpu-rate': { type: 'string' },
        'dpop-seconds': { type: 'string' },
        users: { type: 'string' },
        'users-thrash-bound': { type: 'string' },
        'users-modes': { type: 'string' },
        note: { type: 'string' },
        readme: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  if (v.connections !== undefined && v.concurrency !== undefined && v.connections !== v.concurrency)
    throw new UsageError('--connections and --concurrency are the same option; give one');
  const connections = v.connections ?? v.concurrency;
  const logLevel = v['log-level'] ?? 'warn';
  const levels = ['debug', 'info', 'warn', 'error', 'silent'];
  if (!levels.includes(logLevel))
    throw new UsageError(`--log-level takes ${levels.join(', ')}, got "${logLevel}"`);
  const users = v.users === undefined ? [1000, 10_000] : userCounts(v.users);
  const biggest = users[users.length - 1];
  const usersThrashBound =
    v['users-thrash-bound'] === undefined
      ? Math.max(1, Math.floor(biggest / 10))
      : positive('--users-thrash-bound', v['users-thrash-bound'], { integer: true });
  if (usersThrashBound >= biggest)
    throw new UsageError(
      `--users-thrash-bound (${usersThrashBound}) must be below the biggest --users count (${biggest})`,
    );
  return {
    parts: v.only === undefined ? [...PARTS] : list('--only', v.only, PARTS),
    durationSec: v.duration === undefined ? 10 : positive('--duration', v.duration),
    warmupSec: v.warmup === undefined ? 3 : positive('--warmup', v.warmup, { zero: true }),
    warmupRequests:
      v['warmup-requests'] === undefined
        ? 2000
        : positive('--warmup-requests', v['warmup-requests'], { integer: true, zero: true }),
    connections: connections === undefined ? 20 : positive('--connections', connections, { integer: true }),
    rounds: v.rounds === undefined ? 3 : positive('--rounds', v.rounds, { integer: true }),
    scenarios: v.scenarios === undefined ? [...SCENARIO_IDS] : list('--scenarios', v.scenarios, SCENARIO_IDS),
    chainCpuRatePerSec:
      v['chain-cpu-rate'] === undefined
        ? 500
        : positive('--chain-cpu-rate', v['chain-cpu-rate'], { integer: true, zero: true }),
    dpopSec:
      v['dpop-seconds'] === undefined ? 2 : positive('--dpop-seconds', v['dpop-seconds'], { zero: true }),
    logLevel,
    profile: v.profile ?? false,
    guardSec: v['guard-seconds'] === undefined ? 2 : positive('--guard-seconds', v['guard-seconds']),
    memoryTokens:
      v['memory-tokens'] === undefined
        ? 100_000
        : positive('--memory-tokens', v['memory-tokens'], { integer: true }),
    cacheMaxEntries:
      v['cache-max-entries'] === undefined
        ? 10_000
        : positive('--cache-max-entries', v['cache-max-entries'], { integer: true }),
    peers: {
      apps: v.peers === undefined ? [...PEER_APP_IDS] : list('--peers', v.peers, PEER_APP_IDS),
      durationSec: v.duration === undefined ? 4 : positive('--duration', v.duration),
      warmupSec: v.warmup === undefined ? 1 : positive('--warmup', v.warmup, { zero: true }),
      rounds: v.rounds === undefined ? 2 : positive('--rounds', v.rounds, { integer: true }),
      cpuRatePerSec:
        v['cpu-rate'] === undefined
          ? 4000
          : positive('--cpu-rate', v['cpu-rate'], { integer: true, zero: true }),
    },
    users,
    usersThrashBound,
    usersModes:
      v['users-modes'] === undefined ? ['jwt'] : list('--users-modes', v['users-modes'], USERS_MODES),
    note: v.note,
    readme: v.readme ?? false,
    help: v.help ?? false,
  };
}

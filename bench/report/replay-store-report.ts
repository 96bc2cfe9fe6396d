import { count, fixed, table } from './format';
import { mean, percentile } from './stats';

/**
 * The replay stores compared: `memory`, the library's default (the `jti`s in the service's process), and `redis`,
 * `RedisReplayStore` (nest-keycloak-s2s/redis) on a redis-server on loopback, through the services' own client.
 */
export const REPLAY_STORES = ['memory', 'redis'] as const;
/** One of {@link REPLAY_STORES}. */
export type ReplayStoreKind = (typeof REPLAY_STORES)[number];

/** One proof through the guard of one store's app: the guard with a cached bearer token, then with the proof. */
export interface CheckSample {
  bearerCpuUs: number;
  dpopCpuUs: number;
  bearerWallUs: number;
  dpopWallUs: number;
}

/** What service-c's whole DPoP check cost with one replay store, per check. */
export interface ReplayStoreCost {
  store: ReplayStoreKind;
  /** The proofs' algorithm. */
  alg: string;
  /** Checks measured (each a new proof, accepted). */
  checks: number;
  /** CPU µs of the benchmark's process: the guard with a DPoP-bound token and its proof, minus with a bearer token (means). */
  checkCpuUs: number;
  /** Wall µs of the same difference, medians: what the check adds to a request's latency. */
  checkWallP50Us: number;
  /** Wall µs of the whole guard call with the proof, 99th percentile. */
  guardWallP99Us: number;
  /** CPU µs of the redis-server process per check (Linux /proc; absent for the in-process store or when unreadable). */
  storeCpuUs?: number;
}

/**
 * The cost of one store's checks from their samples (undefined for none): CPU as the difference of the means,
 * wall time as the difference of the medians, as service-c's check is taken in the DPoP floor; `storeCpuMs`, the
 * CPU milliseconds the store's own process used over the samples, divided among them.
 */
export function replayStoreCost(
  store: ReplayStoreKind,
  alg: string,
  samples: readonly CheckSample[],
  storeCpuMs?: number,
): ReplayStoreCost | undefined {
  if (samples.length === 0) return undefined;
  const of = (pick: (s: CheckSample) => number) => samples.map(pick);
  const p50 = (values: number[]) => percentile(values, 50)!;
  return {
    store,
    alg,
    checks: samples.length,
    checkCpuUs: mean(of((s) => s.dpopCpuUs))! - mean(of((s) => s.bearerCpuUs))!,
    checkWallP50Us: p50(of((s) => s.dpopWallUs)) - p50(of((s) => s.bearerWallUs)),
    guardWallP99Us: percentile(
      of((s) => s.dpopWallUs),
      99,
    )!,
    ...(storeCpuMs === undefined ? {} : { storeCpuUs: (storeCpuMs * 1000) / samples.length }),
  };
}

/** `+12.3`, `-0.4`; `–` when unknown. */
function signed(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return `${value >= 0 ? '+' : ''}${value.toFixed(1)}`;
}

/**
 * The table of the replay stores side by side: per store the check's CPU and wall time, the store's own CPU, and
 * what it adds to the in-process store's check (CPU: the benchmark's process and the store's together).
 */
export function replayStoreTable(costs: readonly ReplayStoreCost[]): string {
  const memory = costs.find((c) => c.store === 'memory');
  const total = (c: ReplayStoreCost) => c.checkCpuUs + (c.storeCpuUs ?? 0);
  return table(
    [
      'replay store',
      'proof alg',
      'checks',
      "service-c's check: CPU µs",
      'wall µs (p50)',
      'guard wall µs (p99)',
      'store process CPU µs',
      'CPU µs vs in process',
      'wall µs vs in process',
    ],
    costs.map((c) => [
      c.store === 'memory' ? 'in process (default)' : 'RedisReplayStore, loopback',
      c.alg,
      count(c.checks),
      fixed(c.checkCpuUs, 1),
      fixed(c.checkWallP50Us, 1),
      fixed(c.guardWallP99Us, 1),
      c.store === 'memory' ? '–' : fixed(c.storeCpuUs, 1),
      c === memory || !memory ? '–' : signed(total(c) - total(memory)),
      c === memory || !memory ? '–' : signed(c.checkWallP50Us - memory.checkWallP50Us),
    ]),
  );
}

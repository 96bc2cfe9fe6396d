/** `value` as a multiple of `base`; undefined when there is no base to compare with. */
export function ratio(value: number, base: number | undefined): number | undefined {
  if (base === undefined || !(base > 0) || !Number.isFinite(value)) return undefined;
  return value / base;
}

/** Calls per request; 0 calls over 0 requests is undefined (nothing was measured), not 0. */
export function perRequest(calls: number, requests: number): number | undefined {
  return requests > 0 ? calls / requests : undefined;
}

/**
 * The `p`-th percentile (0 < p <= 100) of `values` by the nearest-rank method: the smallest value that at least
 * p % of the values are less than or equal to. Undefined for no values.
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1];
}

/** The arithmetic mean; undefined for no values. */
export function mean(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : sum(values) / values.length;
}

/** The median (the mean of the two middle values for an even count); undefined for no values. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The sum. */
export function sum(values: readonly number[]): number {
  return values.reduce((total, v) => total + v, 0);
}

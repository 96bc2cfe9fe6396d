import type { LoadResult } from '../chain/load';

/** What one measured load window gave, as every part reports it. */
export interface LoadWindow {
  /** Requests sent in the window, and those answered within it (all statuses). */
  sent: number;
  requests: number;
  /** Length of the window, seconds. */
  durationSec: number;
  /** 2xx answers per second. */
  reqPerSec: number;
  latencyMs: { p50: number; p99: number; mean: number; max: number };
  /** Answers other than 2xx, and connection errors (timeouts included). */
  non2xx: number;
  errors: number;
}

/** The {@link LoadWindow} of an autocannon run. */
export function windowOf(run: LoadResult): LoadWindow {
  return {
    sent: run.sent,
    requests: run.requests,
    durationSec: run.durationSec,
    reqPerSec: run.ok / run.durationSec,
    latencyMs: run.latencyMs,
    non2xx: run.non2xx,
    errors: run.errors,
  };
}

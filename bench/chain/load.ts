import autocannon from 'autocannon';

/** One load run against one URL. */
export interface LoadRequest {
  url: string;
  body: string;
  connections: number;
  durationSec: number;
  /** Headers on top of the JSON content type (e.g. a bearer token). */
  headers?: Record<string, string>;
  /** Requests per second over all connections, when the load should not be as fast as the server answers. */
  ratePerSec?: number;
  /** Headers of each request, asked for anew per request (e.g. the next user's token); added to the fixed ones. */
  headersPerRequest?: () => Record<string, string>;
  /** Stop after this many requests instead of at the end of `durationSec` (e.g. one pass over the tokens). */
  amount?: number;
}

/** What a load run measured. */
export interface LoadResult {
  /** Requests sent, and those answered (all statuses). */
  sent: number;
  requests: number;
  ok: number;
  non2xx: number;
  /** Answers by HTTP status, e.g. `{ "401": 3000 }`. */
  byStatus: Record<string, number>;
  /** Connection errors, timeouts included. */
  errors: number;
  durationSec: number;
  latencyMs: { p50: number; p99: number; mean: number; max: number };
}

/** autocannon's per-request hook that adds the request's own headers. */
function withHeaders(request: LoadRequest): (req: autocannon.Request) => autocannon.Request {
  return (req) => ({ ...req, headers: { ...req.headers, ...request.headersPerRequest?.() } });
}

/** POSTs `body` as JSON to `url` from `connections` keep-alive connections for `durationSec` (autocannon). */
export async function runLoad(request: LoadRequest): Promise<LoadResult> {
  const result = await autocannon({
    url: request.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...request.headers },
    body: request.body,
    connections: request.connections,
    duration: request.durationSec,
    ...(request.ratePerSec ? { overallRate: request.ratePerSec } : {}),
    ...(request.amount === undefined ? {} : { amount: request.amount }),
    ...(request.headersPerRequest === undefined
      ? {}
      : { requests: [{ setupRequest: withHeaders(request) }] }),
    // Longer than the services' own next-hop timeout (5 s): a slow chain shows as a 504, not as a lost socket.
    timeout: 20,
  });
  return {
    sent: result.requests.sent,
    requests: result.requests.total,
    ok: result['2xx'],
    non2xx: result.non2xx,
    byStatus: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([status, stats]) => [status, stats?.count ?? 0]),
    ),
    errors: result.errors,
    durationSec: result.duration,
    latencyMs: {
      p50: result.latency.p50,
      p99: result.latency.p99,
      mean: result.latency.average,
      max: result.latency.max,
    },
  };
}

/** The longest a warm-up goes on, seconds: five times `warmupSec`, and at least 15 s. */
export function warmUpCapSec(warmupSec: number): number {
  return Math.max(warmupSec * 5, 15);
}

/** What a warm-up sent and got. */
export interface WarmUp {
  requests: number;
  ok: number;
  failed: number;
  seconds: number;
}

/**
 * Warms a server up: `warmupSec` of `load`, continued second by second until it has answered `warmupRequests` in
 * all, counting the `answeredBefore` of earlier rounds (at most {@link warmUpCapSec}). On a busy machine a few
 * seconds may serve only a few hundred requests, leaving the server's code cold (V8 optimizes a function after
 * many runs) and the first measurement low.
 */
export async function warmUp(
  load: Omit<LoadRequest, 'durationSec'>,
  { warmupSec, warmupRequests }: { warmupSec: number; warmupRequests: number },
  answeredBefore = 0,
): Promise<WarmUp> {
  const started = Date.now();
  const capMs = warmUpCapSec(warmupSec) * 1000;
  const done: WarmUp = { requests: 0, ok: 0, failed: 0, seconds: 0 };
  do {
    const elapsedSec = (Date.now() - started) / 1000;
    const run = await runLoad({ ...load, durationSec: Math.max(warmupSec - elapsedSec, 1) });
    done.requests += run.requests;
    done.ok += run.ok;
    done.failed += run.non2xx + run.errors;
  } while (answeredBefore + done.requests < warmupRequests && Date.now() - started < capMs);
  done.seconds = (Date.now() - started) / 1000;
  return done;
}

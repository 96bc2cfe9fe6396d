import { Agent, request } from 'undici';

/** What one request of a load run ended with: an HTTP status, or no answer within the request's bound. */
export type Outcome = number | 'timeout' | 'error';

/** One request of a load run, as the report and the assertions read it. */
export interface Sample {
  /** When it was sent, in ms since the epoch. */
  sentAt: number;
  latencyMs: number;
  outcome: Outcome;
  /** The library's error `code` (or `error`) from a JSON error body, when there is one. */
  code?: string;
  /** The `WWW-Authenticate` header, when the answer had one. */
  challenge?: string;
  /** The label of the request that was sent (e.g. which token). */
  label?: string;
}

/** What to send: called for every request, so a test can change the token while the load runs. */
export interface LoadRequest {
  url: string;
  /** Copied to the sample, e.g. to tell which token a request carried. */
  label?: string;
  headers?: Record<string, string>;
  body: string;
}

/** A bounded load run: a target rate, a hard time bound and a hard count bound, each request with its own timeout. */
export interface LoadOptions {
  request: () => LoadRequest;
  /** Requests per second the run aims at (the achieved rate may be lower when answers are slow). */
  ratePerSec: number;
  /** The run stops sending after this long (in-flight requests still end within their timeout). */
  durationMs: number;
  /** At most this many requests in flight at once. */
  concurrency: number;
  /** Every request is aborted after this long and counted as `timeout`. */
  requestTimeoutMs: number;
  /** Stops sending early once this returns true (checked before each request). */
  until?: () => boolean;
  /** Sees every answer's body, e.g. to collect the claims each hop saw. */
  onAnswer?: (sample: Sample, body: string) => void;
}

/** The outcome of one run: every sample, in the order the requests were sent. */
export class LoadResult {
  constructor(
    readonly samples: Sample[],
    readonly startedAt: number,
    readonly endedAt: number,
  ) {}

  /** How many requests ended with each outcome, e.g. `{200: 812, 503: 40}`. */
  get counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const s of this.samples) counts[String(s.outcome)] = (counts[String(s.outcome)] ?? 0) + 1;
    return counts;
  }

  /** Requests that did not end with `ok` (default: 200). */
  failures(ok: (s: Sample) => boolean = (s) => s.outcome === 200): Sample[] {
    return this.samples.filter((s) => !ok(s));
  }

  get maxLatencyMs(): number {
    return Math.max(0, ...this.samples.map((s) => s.latencyMs));
  }

  /** Requests per second actually sent. */
  get ratePerSec(): number {
    return this.samples.length / Math.max(0.001, (this.endedAt - this.startedAt) / 1000);
  }

  /** The samples sent in `[from, to)` (ms since the epoch). */
  between(from: number, to = Infinity): Sample[] {
    return this.samples.filter((s) => s.sentAt >= from && s.sentAt < to);
  }

  /** The counts as the report shows them, e.g. `200×812, 503×40`. */
  countsText(): string {
    return Object.entries(this.counts)
      .map(([outcome, n]) => `${outcome}×${n}`)
      .join(', ');
  }

  /** One line for the report: the counts, the rate and the slowest answer. */
  summary(): string {
    return `${this.countsText()} (${this.samples.length} requests, ${Math.round(this.ratePerSec)}/s, max ${Math.round(this.maxLatencyMs)} ms)`;
  }
}

/** Waits `ms`; a pace computed from a deadline can come out negative: 0 ms then (Node warns on a negative delay). */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

function readCode(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { code?: unknown; error?: unknown };
    if (typeof body.code === 'string') return body.code;
    return typeof body.error === 'string' ? body.error : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sends POSTs on loopback at `ratePerSec` from `concurrency` workers until `durationMs` has passed (or `until()`),
 * never more than `ratePerSec × durationMs` requests; resolves when every request has answered or timed out.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ connections: options.concurrency, keepAliveTimeout: 5_000 });
  const intervalMs = 1000 / options.ratePerSec;
  const maxRequests = Math.ceil((options.ratePerSec * options.durationMs) / 1000);
  const startedAt = Date.now();
  const endAt = startedAt + options.durationMs;
  const samples: Sample[] = [];
  let next = 0;

  const one = async (): Promise<void> => {
    const { url, headers, body, label } = options.request();
    const sentAt = Date.now();
    const sample: Sample = { sentAt, latencyMs: 0, outcome: 'error', label };
    samples.push(sample);
    try {
      const res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        dispatcher: agent,
        signal: AbortSignal.timeout(options.requestTimeoutMs),
      });
      const text = await res.body.text();
      sample.outcome = res.statusCode;
      if (res.statusCode >= 400) sample.code = readCode(text);
      const challenge = res.headers['www-authenticate'];
      if (typeof challenge === 'string') sample.challenge = challenge;
      options.onAnswer?.(sample, text);
    } catch (error) {
      sample.outcome = (error as { name?: string }).name === 'TimeoutError' ? 'timeout' : 'error';
    }
    sample.latencyMs = Date.now() - sentAt;
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      const slot = next++;
      const at = startedAt + slot * intervalMs;
      if (slot >= maxRequests || at >= endAt || options.until?.()) return;
      await sleep(at - Date.now());
      // Behind schedule (slow answers), the time bound still holds: no catching up past the end.
      if (Date.now() >= endAt || options.until?.()) return;
      await one();
    }
  };

  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    await agent.close();
  }
  return new LoadResult(samples, startedAt, Date.now());
}

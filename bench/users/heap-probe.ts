import { createServer } from 'node:http';

// A bench-only hook, loaded by the users part's service variants and never by a service's own entry: it answers
// what the process's heap holds after full collections, so that the caches' memory can be read from outside.

/** What the probe answers: bytes after full collections. */
export interface HeapReading {
  heapUsed: number;
  rss: number;
}

/** Full collections with turns of the event loop between them (finalizers and weak references run only then). */
async function collected(): Promise<HeapReading> {
  const gc = globalThis.gc;
  if (typeof gc !== 'function') throw new Error('the heap probe needs node --expose-gc');
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss };
}

/** Listens on 127.0.0.1:`port` (`BENCH_HEAP_PORT`) and answers every request with a {@link HeapReading}. */
export function startHeapProbe(port: number): void {
  const server = createServer((_req, res) => {
    collected().then(
      (reading) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reading)),
      (error: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(error.message),
    );
  });
  server.unref(); // the service's own shutdown decides when the process ends
  server.listen(port, '127.0.0.1');
}

/** Asks the probe at `url` for a reading. */
export async function readHeap(url: string): Promise<HeapReading> {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`heap probe at ${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as HeapReading;
}

/** A whole number > 0 from the environment, for the variants' settings; throws naming the key. */
export function positiveEnv(key: string, env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env[key]);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${key} must be a whole number > 0, got "${env[key]}"`);
  return n;
}

import { createServer, ServerResponse } from 'node:http';
import { close, listen } from '../../security/support/service-b-rig';

/**
 * How the stand-in for service-c treats the next requests: answers like service-c (`ok`), after a delay (`slow`),
 * sends the headers and then never the rest of the body (`stall-body`), resets the connection (`reset`), answers
 * 500 (`error`), or is not listening at all (`down`: connections refused).
 */
export type NextHopBehaviour = 'ok' | 'slow' | 'stall-body' | 'reset' | 'error' | 'down';

/** A service-c on loopback whose failures a test chooses, on a fixed port (service-b's SERVICE_C_URL). */
export interface NextHopStandIn {
  url: string;
  /** Switches behaviour; `delayMs` is the delay of `slow`. */
  behave: (behaviour: NextHopBehaviour, delayMs?: number) => Promise<void>;
  /** Requests that reached it so far. */
  calls: () => number;
  stop: () => Promise<void>;
}

function json(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Starts the stand-in in `ok` behaviour on a free loopback port. */
export async function startNextHopStandIn(): Promise<NextHopStandIn> {
  let behaviour: NextHopBehaviour = 'ok';
  let delayMs = 0;
  let calls = 0;
  const timers = new Set<NodeJS.Timeout>();
  const answer = (res: ServerResponse, value: number) =>
    json(res, 200, {
      result: value * 2,
      msg: 'Service C successfully processed request',
      hop: { service: 'service-c (stand-in)' },
    });
  const server = createServer((req, res) => {
    calls++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const value = (JSON.parse(Buffer.concat(chunks).toString() || '{}') as { value?: number }).value ?? 0;
      if (behaviour === 'reset') return req.socket.destroy();
      if (behaviour === 'error')
        return json(res, 500, { statusCode: 500, error: 'internal_error', message: 'internal error' });
      if (behaviour === 'stall-body') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.write('{"result":');
      }
      if (behaviour !== 'slow') return answer(res, value);
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) answer(res, value);
      }, delayMs);
      timers.add(timer);
    });
  });
  const url = await listen(server);
  const port = Number(new URL(url).port);
  const stopListening = async () => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    if (server.listening) await close(server);
  };
  return {
    url,
    calls: () => calls,
    behave: async (next, delay = 0) => {
      await stopListening(); // also ends what the previous behaviour left hanging
      behaviour = next;
      delayMs = delay;
      if (next !== 'down')
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, '127.0.0.1', () => {
            server.off('error', reject);
            resolve();
          });
        });
    },
    stop: stopListening,
  };
}

import { createServer } from 'node:net';
import { join } from 'node:path';
import { createClient } from '@redis/client';

// A real redis-server for a test, started by the project's own scripts/redis.mjs (Debian's redis-server, loopback,
// its own data folder), on a free port; `restart()` stops it and starts it again on that port.

interface Started {
  url: string;
  stop: () => Promise<void>;
}
type StartRedis = (options: { port: number; name: string; fresh?: boolean }) => Promise<Started>;

export interface TestRedis {
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Starts a fresh redis-server named `name` (its data in .redis/<name>/). */
export async function startTestRedis(name: string): Promise<TestRedis> {
  const { startRedis } = (await import(join(__dirname, '..', '..', 'scripts', 'redis.mjs'))) as {
    startRedis: StartRedis;
  };
  const port = await freePort();
  let running: Started | undefined = await startRedis({ port, name, fresh: true });
  return {
    url: running.url,
    async stop() {
      await running?.stop();
      running = undefined;
    },
    async start() {
      running ??= await startRedis({ port, name });
    },
  };
}

/** A client as a service makes one: no offline queue and a command timeout, so a command fails at once while Redis is down. */
export async function failFastClient(url: string) {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    commandOptions: { timeout: 1_000 },
    socket: { connectTimeout: 1_000, reconnectStrategy: () => 100 },
  });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Resolves once `client` is ready again (after Redis came back). */
export async function readyAgain(client: { isReady: boolean }): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!client.isReady) {
    if (Date.now() > deadline) throw new Error('the Redis client did not reconnect');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');

/** A service started by a test as its own process (the same command `npm run stack` uses). */
export interface RunningService {
  url: string;
  /** Everything the process printed, for assertions on its logs. */
  output: () => string;
  stop: () => Promise<void>;
  /** The process itself (to signal it), and how it ended once it has. */
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A free TCP port on loopback, chosen by the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function stopped(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

/** How to run a service other than from its TypeScript sources on a free port. */
export interface StartOptions {
  port?: number;
  /** Node's arguments instead of `-r @swc-node/register apps/<name>/src/main.ts`, e.g. a compiled entry point. */
  nodeArgs?: string[];
  cwd?: string;
}

/** Spawns `apps/<name>` as `npm run stack` does (or as `options` say), with `env`, collecting what it prints. */
async function spawnService(name: string, env: Record<string, string>, options: StartOptions = {}) {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const args = options.nodeArgs ?? ['-r', '@swc-node/register', `apps/${name}/src/main.ts`];
  const child = spawn(process.execPath, args, {
    cwd: options.cwd ?? root,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: url,
      KEYCLOAK_REALM: 's2s',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: string[] = [];
  child.stdout?.on('data', (c: Buffer) => chunks.push(c.toString()));
  child.stderr?.on('data', (c: Buffer) => chunks.push(c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    // 'close', not 'exit': by then everything it printed has been read.
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return { url, child, exited, output: () => chunks.join('') };
}

/** Runs `apps/<name>` with `env` until it exits by itself (within `timeoutMs`): its exit code and output. */
export async function runToExit(
  name: string,
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<{ code: number | null; output: string }> {
  const started = await spawnService(name, env);
  const timer = setTimeout(() => started.child.kill('SIGKILL'), timeoutMs);
  const { code } = await started.exited;
  clearTimeout(timer);
  return { code, output: started.output() };
}

/** Starts `apps/<name>` on a free loopback port with `env` and waits until `/health/live` answers. */
export async function startService(
  name: string,
  env: Record<string, string>,
  options: StartOptions = {},
): Promise<RunningService> {
  const { url, child, exited, output } = await spawnService(name, env, options);
  const running = { url, output, child, exited, stop: () => stopped(child) };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      if ((await fetch(`${url}/health/live`)).ok) return running;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await running.stop();
  throw new Error(`${name} did not start:\n${running.output().slice(-2000)}`);
}

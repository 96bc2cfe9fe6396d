import { ChildProcess, execFileSync, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PeerApp } from './peer-apps';

const APPS_DIR = join(__dirname, 'apps');
const ROOT = join(__dirname, '..', '..');
/** How long an app may take to answer that it listens. */
const START_TIMEOUT_MS = 60_000;

/** What an app tells the benchmark once it listens. */
interface ReadyMessage {
  type: 'ready';
  port: number;
  framework: string;
  adapter: string;
}

/**
 * Installs a peer folder's dependencies from its committed lock file when its node_modules is missing (each
 * folder has its own Nest version, so the root cannot hoist them).
 */
export function ensureInstalled(app: PeerApp, log: (line: string) => void): void {
  if (app.folder === 'nest12' || app.folder === 'ours') return; // the repository's own node_modules
  const dir = join(APPS_DIR, app.folder);
  if (existsSync(join(dir, 'node_modules'))) return;
  log(`installing bench/peers/apps/${app.folder} (npm ci)`);
  const npm = existsSync(join(dirname(process.execPath), 'npm'))
    ? join(dirname(process.execPath), 'npm')
    : 'npm';
  execFileSync(npm, ['ci', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit' });
}

/** One app running in its own process. */
export class PeerProcess {
  private constructor(
    private readonly child: ChildProcess,
    private readonly tail: string[],
    readonly app: PeerApp,
    /** e.g. `http://127.0.0.1:40123/api/process`. */
    readonly url: string,
    /** The Nest version it runs on (its @nestjs/core). */
    readonly framework: string,
  ) {}

  /** The process id, whose CPU time is read. */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Its last lines of output, for an error message. */
  output(): string {
    return this.tail.join('\n') || '(no output)';
  }

  /** Starts `app` with `env` on a free port and waits until it listens. */
  static async start(app: PeerApp, env: Record<string, string>): Promise<PeerProcess> {
    const entry =
      app.folder === 'ours' ? join(APPS_DIR, 'ours', 'main.ts') : join(APPS_DIR, app.folder, 'main.cjs');
    const child = fork(entry, [], {
      cwd: ROOT,
      execArgv: app.folder === 'ours' ? ['-r', '@swc-node/register'] : [],
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...env, ...app.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const tail: string[] = [];
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) tail.push(line.slice(0, 500));
      tail.splice(0, Math.max(0, tail.length - 20));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    try {
      const ready = await new Promise<ReadyMessage>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('did not listen in time')), START_TIMEOUT_MS);
        child.once('message', (message: ReadyMessage) => {
          clearTimeout(timer);
          resolve(message);
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`exited with code ${code}`));
        });
      });
      return new PeerProcess(child, tail, app, `http://127.0.0.1:${ready.port}/api/process`, ready.framework);
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`${app.id}: ${(error as Error).message}\n${tail.join('\n')}`);
    }
  }

  /** Ends the app: it closes when its IPC channel goes, and is killed if it has not exited 5 s later. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    if (this.child.connected) this.child.disconnect();
    const kill = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(kill);
  }
}

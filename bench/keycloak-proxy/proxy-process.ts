import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { KeycloakCallCounts } from './counting-proxy';

/** What the parent asks the proxy process. */
export type ProxyRequest = { type: 'counts'; id: number } | { type: 'down'; id: number; down: boolean };

/** What the proxy process tells its parent. */
export type ProxyReply =
  | { type: 'ready'; url: string }
  | { type: 'counts'; id: number; counts: KeycloakCallCounts }
  | { type: 'down'; id: number };

/** How long the proxy process may take to listen or to answer a count request. */
const ANSWER_TIMEOUT_MS = 30_000;

/** The counting proxy (counting-proxy.ts) running in a child process, driven over IPC. */
export class KeycloakProxyProcess {
  private nextId = 0;

  private constructor(
    private readonly child: ChildProcess,
    /** The proxy's URL: what the services get as `KEYCLOAK_URL`. */
    readonly url: string,
  ) {}

  /** Forks the proxy in front of `keycloakUrl` and waits until it listens (`keepHost`: see CountingProxyOptions). */
  static async start(keycloakUrl: string, { keepHost = false } = {}): Promise<KeycloakProxyProcess> {
    const child = fork(join(__dirname, 'main.ts'), [keycloakUrl, ...(keepHost ? ['--keep-host'] : [])], {
      execArgv: ['-r', '@swc-node/register'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    try {
      const ready = await KeycloakProxyProcess.reply(child, (m) => m.type === 'ready');
      return new KeycloakProxyProcess(child, (ready as { url: string }).url);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
  }

  /** The proxy's process id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The calls the proxy has forwarded so far, by kind. */
  async counts(): Promise<KeycloakCallCounts> {
    if (!this.child.connected) throw new Error('the Keycloak proxy process is not running');
    const id = ++this.nextId;
    const answer = KeycloakProxyProcess.reply(this.child, (m) => m.type === 'counts' && m.id === id);
    this.child.send({ type: 'counts', id } satisfies ProxyRequest);
    return ((await answer) as { counts: KeycloakCallCounts }).counts;
  }

  /** Plays Keycloak down (every connection closed at once, nothing forwarded or counted) or up again. */
  async setDown(down: boolean): Promise<void> {
    if (!this.child.connected) throw new Error('the Keycloak proxy process is not running');
    const id = ++this.nextId;
    const answer = KeycloakProxyProcess.reply(this.child, (m) => m.type === 'down' && m.id === id);
    this.child.send({ type: 'down', id, down } satisfies ProxyRequest);
    await answer;
  }

  /** Ends the proxy process. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.disconnect();
    const kill = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(kill);
  }

  private static reply(child: ChildProcess, wanted: (message: ProxyReply) => boolean): Promise<ProxyReply> {
    return new Promise((resolve, reject) => {
      const done = (error?: Error, message?: ProxyReply) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (error) reject(error);
        else resolve(message as ProxyReply);
      };
      const onMessage = (message: ProxyReply) => {
        if (wanted(message)) done(undefined, message);
      };
      const onExit = (code: number | null) =>
        done(new Error(`the Keycloak proxy process exited (code ${code})`));
      const timer = setTimeout(
        () => done(new Error(`the Keycloak proxy process did not answer within ${ANSWER_TIMEOUT_MS} ms`)),
        ANSWER_TIMEOUT_MS,
      );
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  }
}

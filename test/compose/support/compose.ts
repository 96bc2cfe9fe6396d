import { spawn } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');

/** The compose project of the job: its own name, so its containers, network and volumes are told apart. */
export const PROJECT = 'keycloak-s2s-compose-job';

/** Where docker-compose.yml publishes each part (as a user reaches them after `docker compose up`). */
export const PUBLISHED = {
  keycloak: 'http://localhost:8080',
  'service-a': 'http://localhost:3000',
  'service-b': 'http://localhost:3001',
  'service-c': 'http://localhost:3002',
} as const;

/** What scripts/docker-engine.mjs, docker-compose.mjs and docker-standins.mjs give the job (no type declarations). */
interface Scripts {
  startDockerEngine(options: {
    log: (line: string) => void;
  }): Promise<{ env: Record<string, string>; started: boolean; stop: () => Promise<void> }>;
  ensureCompose(options: { env: Record<string, string>; log: (line: string) => void }): string;
  buildStandins(options: {
    env: Record<string, string>;
    log: (line: string) => void;
  }): Record<string, string>;
}

/** The project's launchers, through computed specifiers (plain ES modules without type declarations). */
async function scripts(): Promise<Scripts> {
  const dir = join(root, 'scripts');
  const [engine, compose, standins] = await Promise.all([
    import(join(dir, 'docker-engine.mjs')),
    import(join(dir, 'docker-compose.mjs')),
    import(join(dir, 'docker-standins.mjs')),
  ]);
  return {
    startDockerEngine: engine.startDockerEngine,
    ensureCompose: compose.ensureCompose,
    buildStandins: standins.buildStandins,
  };
}

/** What a command printed, and how it ended. */
export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** One container of the project, as `docker compose ps --format json` describes it. */
export interface ComposeContainer {
  Service: string;
  State: string;
  Health: string;
  Name: string;
}

/**
 * The system as the compose job runs it: the project's own Docker engine, the stand-in images, and `docker compose`
 * on the unchanged docker-compose.yml, whose image variables point at the stand-ins.
 */
export class ComposeSystem {
  private constructor(
    private readonly env: Record<string, string>,
    private readonly engine: { stop: () => Promise<void> },
    /** `docker compose version --short`. */
    readonly composeVersion: string,
  ) {}

  /** Starts the engine, makes sure `docker compose` runs, builds the stand-ins; `log` hears each step. */
  static async prepare(log: (line: string) => void): Promise<ComposeSystem> {
    const { startDockerEngine, ensureCompose, buildStandins } = await scripts();
    const engine = await startDockerEngine({ log });
    try {
      const version = ensureCompose({ env: engine.env, log });
      const images = buildStandins({ env: engine.env, log });
      // The classic builder: Compose uses it when the docker CLI has no buildx plugin, and says so unless told.
      const env = { ...engine.env, ...images, COMPOSE_PROJECT_NAME: PROJECT, DOCKER_BUILDKIT: '0' };
      return new ComposeSystem(env, engine, version);
    } catch (error) {
      await engine.stop();
      throw error;
    }
  }

  /** Runs `docker <args>` against the job's engine; throws with its output unless it exits 0 (or `allowFailure`). */
  docker(args: string[], { allowFailure = false } = {}): Promise<Ran> {
    return new Promise((resolve, reject) => {
      const child = spawn('docker', args, { cwd: root, env: { ...process.env, ...this.env } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('error', reject);
      child.on('close', (status) => {
        if (status === 0 || allowFailure) resolve({ status, stdout, stderr });
        else
          reject(
            new Error(
              `docker ${args.join(' ')} exited ${status}:\n${`${stdout}${stderr}`.trim().split('\n').slice(-40).join('\n')}`,
            ),
          );
      });
    });
  }

  /** Runs `docker compose <args>` on docker-compose.yml. */
  compose(args: string[], options?: { allowFailure?: boolean }): Promise<Ran> {
    return this.docker(['compose', ...args], options);
  }

  /** Starts (or brings back) every service and waits until each is healthy; returns the seconds it took. */
  async upAndWait(): Promise<number> {
    const started = Date.now();
    await this.compose(['up', '--detach', '--wait', '--wait-timeout', '300']);
    return (Date.now() - started) / 1000;
  }

  /** The project's containers. */
  async containers(): Promise<ComposeContainer[]> {
    const { stdout } = await this.compose(['ps', '--all', '--format', 'json']);
    // One JSON object a line (Compose v2+).
    return stdout
      .split('\n')
      .filter((line) => line.trim().startsWith('{'))
      .map((line) => JSON.parse(line) as ComposeContainer);
  }

  /** Everything the engine still holds of the project: containers, networks and volumes, by name. */
  async leftovers(): Promise<string[]> {
    const label = `label=com.docker.compose.project=${PROJECT}`;
    const names = await Promise.all(
      [
        ['ps', '--all', '--filter', label, '--format', '{{.Names}}'],
        ['network', 'ls', '--filter', label, '--format', '{{.Name}}'],
        ['volume', 'ls', '--filter', label, '--format', '{{.Name}}'],
      ].map(async (args) => (await this.docker(args)).stdout.split('\n').filter(Boolean)),
    );
    return names.flat();
  }

  /** A service's log since its container was created (all its restarts), without colours or prefixes. */
  async logs(service: string): Promise<string> {
    const { stdout, stderr } = await this.compose(['logs', '--no-color', '--no-log-prefix', service]);
    return `${stdout}${stderr}`;
  }

  /** `docker compose down -v` (if anything is left), then stops the engine if the job started it. */
  async close(): Promise<void> {
    try {
      if ((await this.leftovers()).length > 0)
        await this.compose(['down', '--volumes'], { allowFailure: true });
    } finally {
      await this.engine.stop();
    }
  }
}

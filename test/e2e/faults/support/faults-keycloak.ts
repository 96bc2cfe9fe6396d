import { spawn } from 'node:child_process';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../../support/service-process';
import { Sample, sleep } from './load';

const root = join(__dirname, '..', '..', '..', '..');
/** The name of the fault specs' own Keycloak (scripts/keycloak.mjs `--instance`): its own copy, database and log. */
export const INSTANCE = 'faults';

/**
 * A second Keycloak that only the fault specs use, so they may stop it, restart it, rotate its keys, shorten its
 * token lifespans, log users out and disable clients without disturbing the other specs' Keycloak.
 */
export interface FaultsKeycloak {
  url: string;
  /** Starts it with a fresh realm (realm-export.json), and resolves once it is ready. */
  start: () => Promise<void>;
  /** Stops the server (SIGTERM to its process group; the launcher's `stop`). */
  stop: () => Promise<void>;
  /** Starts it again on the same ports, keeping its database: same realm, same keys, sessions kept. */
  restart: () => Promise<void>;
}

function run(args: string[], what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    child.stdout.on('data', (c: Buffer) => output.push(c.toString()));
    child.stderr.on('data', (c: Buffer) => output.push(c.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${what} failed (exit ${code}):\n${output.join('')}`)),
    );
  });
}

function stopInstance(): Promise<void> {
  return run(
    [join('scripts', 'keycloak.mjs'), 'stop', '--instance', INSTANCE],
    `stopping Keycloak ${INSTANCE}`,
  );
}

/** scripts/keycloak.mjs's launcher (a plain ES module, no type declarations): resolves once Keycloak is ready. */
type EnsureKeycloak = (options: {
  instance: string;
  port: number;
  managementPort: number;
  fresh: boolean;
  log: (line: string) => void;
}) => Promise<unknown>;

/** Starts the instance detached (it outlives this call; {@link stopInstance} ends it). */
async function startInstance(port: number, managementPort: number, fresh: boolean): Promise<void> {
  const { ensureKeycloak } = (await import(join(root, 'scripts', 'keycloak.mjs'))) as {
    ensureKeycloak: EnsureKeycloak;
  };
  await ensureKeycloak({ instance: INSTANCE, port, managementPort, fresh, log: () => undefined });
}

/**
 * Picks free ports for the fault specs' Keycloak (first stopping one a crashed run left), so that the services can
 * be started towards its URL while it starts.
 */
export async function prepareFaultsKeycloak(): Promise<FaultsKeycloak> {
  await stopInstance();
  const port = await freePort();
  let managementPort = await freePort();
  while (managementPort === port) managementPort = await freePort();
  return {
    url: `http://localhost:${port}`,
    start: () => startInstance(port, managementPort, true),
    stop: stopInstance,
    restart: () => startInstance(port, managementPort, false),
  };
}

/** When a stopped Keycloak came back, as seen from outside (send times of the probes, ms since the epoch). */
export interface KeycloakReturn {
  /** The last probe whose TCP connection was refused: until then nothing could have reached Keycloak. */
  lastRefusedAt?: number;
  /** The first probe whose TCP connection was accepted. */
  listeningAt?: number;
  /** The first probe that got the realm's discovery document: Keycloak serves again. */
  servingAt?: number;
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port, timeout: 500 });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/**
 * Probes the Keycloak at `url` every 100 ms (a TCP connection, then its discovery document) until `stop()`, which
 * resolves with what was seen. Start it while Keycloak is down.
 */
export function watchKeycloakReturn(url: string, realm: string): { stop: () => Promise<KeycloakReturn> } {
  const seen: KeycloakReturn = {};
  const port = Number(new URL(url).port);
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const at = Date.now();
      if (await tcpOpen(port)) {
        seen.listeningAt ??= at;
        if (seen.servingAt === undefined) {
          const ok = await fetch(`${url}/realms/${realm}/.well-known/openid-configuration`, {
            signal: AbortSignal.timeout(5_000),
          })
            .then((res) => res.ok)
            .catch(() => false);
          if (ok) seen.servingAt = at;
        }
      } else if (seen.listeningAt === undefined) seen.lastRefusedAt = at;
      await sleep(Math.max(0, at + 100 - Date.now()));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return seen;
    },
  };
}

/** What an introspection-mode service answered around an outage of Keycloak. */
export interface OutageFindings {
  /** Every answer that was not 200. */
  failures: Sample[];
  /**
   * The requests sent once no cached introspection could be left (`cacheTtlMs` and a second after the stop) and
   * before Keycloak could be reached again (100 ms before its port was last refused: the service's own time to
   * call it): nothing but 503 is right for them.
   */
  unreachable: Sample[];
  /** From Keycloak's port opening to the first 200 after the last failure; undefined: never recovered. */
  recoveryMs?: number;
}

/** Reads `samples` of a load that ran while Keycloak was stopped at `stoppedAt` and came back as `back` says. */
export function outageFindings(
  samples: Sample[],
  stoppedAt: number,
  back: KeycloakReturn,
  cacheTtlMs: number,
): OutageFindings {
  const failures = samples.filter((s) => s.outcome !== 200);
  const lastFailure = Math.max(...failures.map((s) => s.sentAt));
  const recovered = samples.find((s) => s.sentAt > lastFailure && s.outcome === 200);
  const unreachable = samples.filter(
    (s) => s.sentAt >= stoppedAt + cacheTtlMs + 1_000 && s.sentAt < (back.lastRefusedAt ?? 0) - 100,
  );
  const recoveryMs =
    recovered && back.listeningAt !== undefined
      ? Math.max(0, recovered.sentAt - back.listeningAt)
      : undefined;
  return { failures, unreachable, recoveryMs };
}

const KEY_PROVIDER = 'org.keycloak.keys.KeyProvider';

/**
 * A key rotation of the realm's RS256 signing key through the admin API: `addKey()` adds an `rsa-generated`
 * provider with a higher priority than the realm's own (Keycloak signs with it from then on), `removeOldKey()`
 * disables the realm's own provider (its key leaves the JWKS; Keycloak no longer accepts its tokens).
 */
export async function keyRotation(admin: KcAdminClient, realm: string) {
  const { id: parentId } = (await admin.realms.findOne({ realm }))!;
  const [old] = await admin.components.find({ type: KEY_PROVIDER, name: 'rsa-generated' });
  return {
    addKey: () =>
      admin.components.create({
        name: 'e2e-faults-rotated',
        providerId: 'rsa-generated',
        providerType: KEY_PROVIDER,
        parentId,
        config: { priority: ['200'], keySize: ['2048'], active: ['true'], enabled: ['true'] },
      }),
    removeOldKey: () =>
      admin.components.update({ id: old.id! }, { ...old, config: { ...old.config, enabled: ['false'] } }),
  };
}

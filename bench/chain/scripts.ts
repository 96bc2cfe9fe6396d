import { join } from 'node:path';

// Typed access to the repository's launchers (plain ES modules in scripts/, shared with `npm run stack` and the
// e2e setup), loaded through a computed specifier because they have no type declarations.

/** A Keycloak made sure of by scripts/keycloak.mjs. */
export interface RunningKeycloak {
  url: string;
  startedByUs: boolean;
  stop: () => Promise<void>;
}

/** The three services started by scripts/stack.mjs. */
export interface RunningServices {
  urls: Record<'service-a' | 'service-b' | 'service-c', string>;
  pids: Record<'service-a' | 'service-b' | 'service-c', number>;
  stop: () => Promise<void>;
}

/** The options of scripts/stack.mjs `startServices` the benchmark uses. */
export interface StartServicesOptions {
  keycloakUrl: string;
  ports: Record<string, 'free'>;
  authModes: Record<string, string>;
  env: Record<string, string>;
  entry: (name: string) => string;
  nodeArgs: string[];
  onOutput: (name: string, chunk: string) => void;
  timeoutMs?: number;
}

interface KeycloakScript {
  ensureKeycloak(options: { log: (line: string) => void }): Promise<RunningKeycloak>;
}

interface StackScript {
  freePort(): Promise<number>;
  startServices(options: StartServicesOptions): Promise<RunningServices>;
  pointJwksUrls(keycloakUrl: string, urls: Record<string, string>, realm?: string): Promise<void>;
}

const scripts = join(__dirname, '..', '..', 'scripts');

/** scripts/keycloak.mjs `ensureKeycloak`: reuses the Keycloak on KEYCLOAK_PORT, or starts one. */
export async function ensureKeycloak(log: (line: string) => void): Promise<RunningKeycloak> {
  const script = (await import(join(scripts, 'keycloak.mjs'))) as KeycloakScript;
  return script.ensureKeycloak({ log });
}

/** scripts/stack.mjs `startServices`. */
export async function startServices(options: StartServicesOptions): Promise<RunningServices> {
  const script = (await import(join(scripts, 'stack.mjs'))) as StackScript;
  return script.startServices(options);
}

/** scripts/stack.mjs `pointJwksUrls`: the realm's clients read the services' keys where these ones serve them. */
export async function pointJwksUrls(
  keycloakUrl: string,
  urls: Record<string, string>,
  realm?: string,
): Promise<void> {
  const script = (await import(join(scripts, 'stack.mjs'))) as StackScript;
  return script.pointJwksUrls(keycloakUrl, urls, realm);
}

/** scripts/stack.mjs `freePort`: a free TCP port on loopback, chosen by the OS. */
export async function freePort(): Promise<number> {
  const script = (await import(join(scripts, 'stack.mjs'))) as StackScript;
  return script.freePort();
}

/** A redis-server started by scripts/redis.mjs. */
export interface RunningRedis {
  url: string;
  port: number;
  pid: number;
  stop: () => Promise<void>;
}

interface RedisScript {
  startRedis(options: { port: number; name: string; fresh?: boolean }): Promise<RunningRedis>;
}

/**
 * scripts/redis.mjs `startRedis`: Debian's redis-server on loopback `port`, its data in .redis/<name>/ (emptied
 * first); `stop()` ends it by its pid.
 */
export async function startRedis(port: number, name: string): Promise<RunningRedis> {
  const script = (await import(join(scripts, 'redis.mjs'))) as RedisScript;
  return script.startRedis({ port, name, fresh: true });
}

import { join } from 'node:path';

/** A part of the cluster that can be taken away and brought back. */
export interface Stoppable {
  stop: () => Promise<void>;
  start: () => Promise<void>;
}

/** What scripts/stack-cluster.mjs's `startCluster` returns (a plain ES module without type declarations). */
export interface Cluster {
  urls: Record<'keycloak' | 'service-a' | 'service-b' | 'service-c', string>;
  keycloakNodes: (Stoppable & { port: number; managementPort: number; instance: string })[];
  /** One process of each service each; `ports` are where each of them listens (behind HAProxy). */
  replicas: (Stoppable & { ports: Record<'service-a' | 'service-b' | 'service-c', number> })[];
  redis: Stoppable & { url: string; restart: () => Promise<void> };
  restartServices: (mode: 'jwt' | 'introspection') => Promise<void>;
  /** HAProxy's count of the HTTP answers of each server, by tier (`keycloak`, `service-a`, …) and server name. */
  serverStats: () => Promise<Record<string, Record<string, number>>>;
  stop: () => Promise<void>;
}

/** The options of `startCluster` the job uses. */
export interface ClusterOptions {
  authMode: 'jwt' | 'introspection';
  env?: Record<string, string>;
  log?: (line: string) => void;
  onOutput?: (name: string, chunk: string) => void;
}

const script = join(__dirname, '..', '..', '..', 'scripts', 'stack-cluster.mjs');

/** Starts the cluster exactly as `npm run stack:cluster` does. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const module = (await import(script)) as { startCluster: (o: ClusterOptions) => Promise<Cluster> };
  return module.startCluster(options);
}

/** Stops every cluster this process started or is still starting (a start that timed out leaves no process behind). */
export async function stopAllClusters(): Promise<void> {
  const module = (await import(script)) as { stopAll: () => Promise<void> };
  await module.stopAll();
}

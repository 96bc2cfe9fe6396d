import type { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** A throw-away PostgreSQL server on loopback, in a temporary folder: what the compose file's postgres service is. */
export interface PostgresCluster {
  port: number;
  /** `jdbc:postgresql://127.0.0.1:<port>/<database>`. */
  jdbcUrl: string;
  /** Runs a PostgreSQL client program of the same installation (psql, pg_isready…) as this process's user. */
  client: (program: string, args: string[], env?: Record<string, string>) => ReturnType<typeof spawnSync>;
  stop: () => void;
}

/**
 * scripts/postgres.mjs's `startPostgres` (plain ESM, no type declarations, so imported by a computed specifier):
 * a cluster on 127.0.0.1:`port` with superuser `user` / `password` and an empty `database`, on Debian's server
 * programs (run as `postgres` when this is root).
 */
export async function startPostgres(options: {
  port: number;
  user: string;
  password: string;
  database: string;
}): Promise<PostgresCluster> {
  const script = (await import(join(__dirname, '..', '..', 'scripts', 'postgres.mjs'))) as {
    startPostgres: (o: typeof options) => PostgresCluster;
  };
  return script.startPostgres(options);
}

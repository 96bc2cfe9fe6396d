import { spawnSync, SpawnSyncOptions } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throw-away PostgreSQL server on loopback, in a temporary folder: what the compose file's postgres service is. */
export interface PostgresCluster {
  port: number;
  /** Runs a PostgreSQL client program of the same installation (psql, pg_isready…) as this process's user. */
  client: (program: string, args: string[], env?: Record<string, string>) => ReturnType<typeof spawnSync>;
  stop: () => void;
}

/**
 * Where Debian's postgresql package puts the server programs (/usr/lib/postgresql/<version>/bin, the highest
 * version), or PG_BINDIR. They are not on the PATH.
 */
function binDir(): string {
  if (process.env.PG_BINDIR) return process.env.PG_BINDIR;
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base)
        .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0)
    throw new Error(
      "PostgreSQL's server programs (initdb, pg_ctl) were not found under /usr/lib/postgresql: install Debian's " +
        'postgresql package (`apt-get install postgresql`, as .ci/run does), or set PG_BINDIR to their folder.',
    );
  return join(base, versions[0], 'bin');
}

/**
 * initdb refuses to run as root, and CI may run as root: then the server runs as the `postgres` user that Debian's
 * package creates (uid/gid of that user), and owns its folder.
 */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const [uid, gid] = [id('-u'), id('-g')];
  if (uid.status !== 0 || gid.status !== 0)
    throw new Error(
      'Running as root, and there is no postgres user to run the PostgreSQL server as (initdb refuses root): ' +
        "install Debian's postgresql package, which creates it, or run the tests as another user.",
    );
  return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
}

/**
 * Creates and starts a cluster on 127.0.0.1:`port` whose superuser is `user` / `password` (password
 * authentication, scram-sha-256) with an empty database `database`, like the official image's POSTGRES_USER,
 * POSTGRES_PASSWORD and POSTGRES_DB. `stop()` stops the server and deletes the folder.
 */
export function startPostgres(options: {
  port: number;
  user: string;
  password: string;
  database: string;
}): PostgresCluster {
  const bin = binDir();
  const owner = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'keycloak-s2s-pg-'));
  const data = join(dir, 'data');
  const pwfile = join(dir, 'password');
  writeFileSync(pwfile, options.password, { mode: 0o600 });
  if (owner) for (const path of [dir, pwfile]) chownSync(path, owner.uid, owner.gid);
  chmodSync(dir, 0o700);

  const asServer = (program: string, args: string[]) => {
    const run = spawnSync(join(bin, program), args, {
      encoding: 'utf8',
      ...(owner as SpawnSyncOptions),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (run.status !== 0) throw new Error(`${program} failed (${run.status}):\n${run.stdout}${run.stderr}`);
  };
  const client = (program: string, args: string[], env: Record<string, string> = {}) =>
    spawnSync(join(bin, program), args, {
      encoding: 'utf8',
      env: { ...process.env, PGPASSWORD: options.password, ...env },
    });
  let running = false;
  const stop = () => {
    if (running) asServer('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    running = false;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    asServer('initdb', [
      ...['-D', data, '-U', options.user, `--pwfile=${pwfile}`],
      ...['--auth=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-instructions'],
    ]);
    // The socket goes into the temporary folder too: /var/run/postgresql may not exist or not be writable.
    const serverOptions = `-p ${options.port} -k ${dir} -c listen_addresses=127.0.0.1`;
    asServer('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', serverOptions, '-w', 'start']);
    running = true;
    const createdb = client('createdb', [
      '-h',
      '127.0.0.1',
      '-p',
      String(options.port),
      '-U',
      options.user,
      options.database,
    ]);
    if (createdb.status !== 0) throw new Error(`createdb failed: ${createdb.stderr}`);
  } catch (error) {
    stop();
    throw error;
  }
  return { port: options.port, client, stop };
}

// A throw-away PostgreSQL server on loopback, in a temporary folder — what compose's postgres service is — for the
// cluster stack's Keycloak nodes and the Postgres e2e job (test/postgres/postgres-cluster.ts types it): Debian's
// postgresql package's server programs (/usr/lib/postgresql/<version>/bin, or PG_BINDIR), run as this user, or as
// `postgres` when this is root (initdb refuses root). Only node: built-ins.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function binDir() {
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
        'postgresql package (.ci/setup does), or set PG_BINDIR to their folder.',
    );
  return join(base, versions[0], 'bin');
}

function serverUser() {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const [uid, gid] = [id('-u'), id('-g')];
  if (uid.status !== 0 || gid.status !== 0)
    throw new Error(
      'Running as root, and there is no postgres user to run PostgreSQL as (initdb refuses root).',
    );
  return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
}

/**
 * Creates and starts a cluster on 127.0.0.1:`port` whose superuser is `user` / `password` (scram-sha-256) with an
 * empty database `database`, like the official image's POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB. Returns
 * `{ port, jdbcUrl, client, stop }`: `client(program, args, env)` runs a client program of the same installation
 * (psql, pg_isready…) as this process's user; `stop()` stops the server (pg_ctl, fast) and deletes the folder.
 */
export function startPostgres({ port, user, password, database }) {
  const bin = binDir();
  const owner = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'keycloak-s2s-cluster-pg-'));
  const data = join(dir, 'data');
  const pwfile = join(dir, 'password');
  writeFileSync(pwfile, password, { mode: 0o600 });
  if (owner) for (const path of [dir, pwfile]) chownSync(path, owner.uid, owner.gid);
  chmodSync(dir, 0o700);
  const run = (program, args, asServer) => {
    const result = spawnSync(join(bin, program), args, {
      encoding: 'utf8',
      ...(asServer ? owner : {}),
      env: { ...process.env, PGPASSWORD: password },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (result.status !== 0)
      throw new Error(`${program} failed (${result.status}):\n${result.stdout}${result.stderr}`);
  };
  let running = false;
  const stop = () => {
    if (running) run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'], true);
    running = false;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    run(
      'initdb',
      [
        ...['-D', data, '-U', user, `--pwfile=${pwfile}`],
        ...['--auth=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-instructions'],
      ],
      true,
    );
    // The socket goes into the temporary folder too: /var/run/postgresql may not exist or not be writable.
    const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200`;
    run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', serverOptions, '-w', 'start'], true);
    running = true;
    run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', user, database], false);
  } catch (error) {
    stop();
    throw error;
  }
  const client = (program, args, env = {}) =>
    spawnSync(join(bin, program), args, {
      encoding: 'utf8',
      env: { ...process.env, PGPASSWORD: password, ...env },
    });
  return { port, jdbcUrl: `jdbc:postgresql://127.0.0.1:${port}/${database}`, client, stop };
}

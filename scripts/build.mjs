#!/usr/bin/env node
// Compiles the services and the libraries to JavaScript for the container image (Dockerfile, build stage), so the
// image runs plain `node` without a TypeScript loader or any dev dependency. tsc emits `require('@app/...')` as
// written (it does not rewrite tsconfig `paths`), so each alias gets a one-line package under <out>/node_modules
// that points at the compiled library: Node finds it from every compiled file, the image's own node_modules
// (production dependencies only) serves the rest.
//   node scripts/build.mjs [--out-dir dist]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Builds into `outDir` (absolute, or relative to the repository); throws with tsc's output when it fails. */
export function build(outDir = 'dist') {
  const out = resolve(root, outDir);
  rmSync(out, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', out], {
    cwd: root,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`tsc failed:\n${run.stdout}${run.stderr}`);
  const { paths } = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')).compilerOptions;
  for (const [alias, [target]] of Object.entries(paths)) {
    // A subpath alias (`nest-keycloak-s2s/observer`) becomes a folder inside its package's: Node finds its index.js.
    const pkg = join(out, 'node_modules', alias);
    mkdirSync(pkg, { recursive: true });
    const compiled = target.endsWith('.ts') ? target.replace(/\.ts$/, '.js') : join(target, 'index.js');
    const entry = relative(pkg, join(out, compiled)).split(sep).join('/');
    writeFileSync(join(pkg, 'index.js'), `module.exports = require('${entry}');\n`);
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const i = process.argv.indexOf('--out-dir');
  try {
    console.log(`built into ${build(i > 0 ? process.argv[i + 1] : 'dist')}`);
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}

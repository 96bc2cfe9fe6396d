#!/usr/bin/env node
// The API report of nest-keycloak-s2s: every entry of its package.json "exports", each exported name with its
// declaration as the built .d.ts files give it (doc comments left out). The committed report
// (libs/keycloak-auth/api-report.md) is compared with a fresh one by libs/keycloak-auth/package.spec.ts, so an
// export added, removed or changed by accident fails the unit tests.
//   node scripts/api-report.mjs           builds the library and rewrites libs/keycloak-auth/api-report.md
//   node scripts/api-report.mjs --check   builds the library and exits 1 when the committed report differs
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const library = join(root, 'libs', 'keycloak-auth');
export const REPORT = join(library, 'api-report.md');

/** The report of the package in `packageDir` (its package.json and built `dist/`), as markdown. */
export function apiReport(packageDir) {
  const ts = createRequire(import.meta.url)('typescript');
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const entries = Object.entries(pkg.exports).filter(([, target]) => typeof target === 'object');
  const files = entries.map(([, target]) => resolve(packageDir, target.types));
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
    noEmit: true,
    types: [],
  });
  const checker = program.getTypeChecker();
  const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });
  const lines = [
    '# API report: nest-keycloak-s2s',
    '',
    'Generated from the built `.d.ts` files by `npm run api:report` (`scripts/api-report.mjs`): every entry of',
    '`package.json` "exports" and what it exports. A unit test compares it with a fresh one; when a change to the',
    'public API is meant, run `npm run api:report` and commit the report with the change.',
    '',
  ];
  entries.forEach(([entry, target], i) => {
    const source = program.getSourceFile(files[i]);
    if (!source) throw new Error(`${entry}: ${target.types} not found (build the library first)`);
    const moduleSymbol = checker.getSymbolAtLocation(source);
    const exported = moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : [];
    lines.push(`## \`${entry === '.' ? pkg.name : `${pkg.name}/${entry.slice(2)}`}\``, '');
    const names = exported.map((symbol) => symbol.getName()).sort();
    lines.push(`${names.length} names: ${names.map((n) => `\`${n}\``).join(', ')}`, '', '```ts');
    for (const name of names) {
      let symbol = exported.find((s) => s.getName() === name);
      if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
      for (const declaration of symbol.getDeclarations() ?? []) {
        // A const is printed with its statement (`export declare const …`), not as a bare `name: type`.
        const node = ts.isVariableDeclaration(declaration) ? declaration.parent.parent : declaration;
        const text = printer.printNode(ts.EmitHint.Unspecified, node, declaration.getSourceFile());
        lines.push(name === symbol.getName() ? text : `/* as ${name} */ ${text}`);
      }
    }
    lines.push('```', '');
  });
  return lines.join('\n');
}

/** Builds the library into its `dist/` (as `npm pack` does); throws with tsc's output when it fails. */
export function buildLibrary() {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: library,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`tsc failed:\n${run.stdout}${run.stderr}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  buildLibrary();
  const report = apiReport(library);
  if (process.argv.includes('--check')) {
    const committed = readFileSync(REPORT, 'utf8');
    if (committed !== report) {
      console.error('libs/keycloak-auth/api-report.md is not the API of the build: run npm run api:report');
      process.exit(1);
    }
    console.log('the API report matches the build');
  } else {
    writeFileSync(REPORT, report);
    console.log(`wrote ${REPORT}`);
  }
}

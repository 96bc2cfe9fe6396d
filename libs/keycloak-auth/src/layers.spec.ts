import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

// The library's one-way layers, read from its sources: a folder imports only the folders below it, no files or
// folders import each other in a circle, and only the Nest layer (and the adapters on top) import @nestjs/*.
// The entry files at the root of src/ (index.ts, errors.ts, …) are the public surface: they may import any
// folder, and the adapters import them, never the folders behind them.

/** Each folder of src/ and the folders it may import (besides itself). */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  transport: ['core'],
  keys: ['core'],
  config: ['core', 'transport', 'keys'],
  client: ['core', 'transport', 'keys', 'config'],
  verification: ['core', 'transport', 'keys', 'config', 'client'],
  nest: ['core', 'transport', 'keys', 'config', 'client', 'verification'],
  testing: ['core', 'config'],
  redis: ['core'],
  adapters: ['.'],
  '.': [
    'core',
    'transport',
    'keys',
    'config',
    'client',
    'verification',
    'nest',
    'testing',
    'adapters',
    'redis',
  ],
};

/** The folders whose files may import @nestjs/* (the Nest layer and the adapters to Nest packages). */
const NEST_FOLDERS = ['nest', 'adapters'];

/**
 * core/errors.ts is the one exception: the error classes extend @nestjs/common's HttpException, so Nest's own
 * exception layer answers them with their status and body and an application registers no filter for them.
 */
const NEST_IMPORT_EXCEPTIONS = ['core/errors.ts'];

const SRC = __dirname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

const files = sourceFiles(SRC).map((path) => relative(SRC, path));

/** Every module specifier a file imports or re-exports, types included. */
function specifiers(file: string): string[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  return [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*'([^']+)'|import\(\s*'([^']+)'\s*\)/g),
  ].map((m) => m[1] ?? m[2]);
}

/** The library file a relative specifier of `file` names. */
function target(file: string, specifier: string): string {
  const base = relative(SRC, resolve(SRC, dirname(file), specifier));
  const found = [`${base}.ts`, join(base, 'index.ts')].find((candidate) => files.includes(candidate));
  if (!found) throw new Error(`${file}: cannot resolve ${specifier}`);
  return found;
}

const imports = new Map(
  files.map((file) => [
    file,
    specifiers(file)
      .filter((s) => s.startsWith('.'))
      .map((s) => target(file, s)),
  ]),
);

const folderOf = (file: string) => (file.includes('/') ? file.split('/')[0] : '.');

/** The cycles of a directed graph (one path per strongly connected component of more than one node). */
function cycles(graph: Map<string, readonly string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

describe("the library's layers", () => {
  it('puts every file in a known folder', () => {
    expect(files.map(folderOf).filter((folder) => !(folder in ALLOWED))).toEqual([]);
  });

  it('has no circle of files importing each other', () => {
    expect(cycles(imports).map((cycle) => cycle.join(' → '))).toEqual([]);
  });

  it('has no circle of folders importing each other', () => {
    const folders = new Map<string, string[]>();
    for (const [file, targets] of imports) {
      const own = folderOf(file);
      const others = targets.map(folderOf).filter((folder) => folder !== own);
      folders.set(own, [...new Set([...(folders.get(own) ?? []), ...others])]);
    }
    expect(cycles(folders).map((cycle) => cycle.join(' → '))).toEqual([]);
  });

  it('points every import down: a folder imports only the folders below it', () => {
    const wrong = [...imports].flatMap(([file, targets]) =>
      targets
        .filter((to) => folderOf(to) !== folderOf(file) && !ALLOWED[folderOf(file)].includes(folderOf(to)))
        .map((to) => `${file} → ${to}`),
    );
    expect(wrong).toEqual([]);
  });

  it('lets only the Nest layer and the adapters import @nestjs/*', () => {
    const wrong = files.filter(
      (file) =>
        !NEST_FOLDERS.includes(folderOf(file)) &&
        !NEST_IMPORT_EXCEPTIONS.includes(file) &&
        specifiers(file).some((s) => s.startsWith('@nestjs/')),
    );
    expect(wrong).toEqual([]);
  });

  it('finds the imports it checks (the reader is not blind)', () => {
    expect(imports.get('nest/keycloak-auth.module.ts')).toContain('config/keycloak-auth.options.ts');
    expect(specifiers('nest/keycloak-auth.module.ts')).toContain('@nestjs/common');
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every TypeScript block of the documentation, as a file a fresh Nest app can compile: the docs are tests.
 *
 * A block is compiled as it is written, unless its first line is a marker comment:
 * - `// fragment: <what is assumed>` — a part of a larger file (a module option list, a call): it is wrapped in a
 *   prelude that imports `KeycloakAuthModule` and declares `url`, `realm`, `clientId` and `clientSecret`, the names
 *   such fragments take from the surrounding app.
 * - `// before: nest-keycloak-connect` — the code a migration starts from: compiled too, with `nest-keycloak-connect`
 *   declared as an untyped module (the package itself is not installed).
 * A block without a marker that does not compile fails the test with its file and line.
 */

/** The documents whose ```ts blocks are compiled, relative to the repository root. */
export const DOCUMENTS = [
  'README.md',
  'libs/keycloak-auth/README.md',
  'docs/README.md',
  'docs/library.md',
  'docs/migrating-from-nest-keycloak-connect.md',
  'docs/testing.md',
  'docs/security.md',
  'docs/operations.md',
  'docs/realm.md',
  'docs/chain.md',
  'docs/bff.md',
  'docs/design.md',
  'docs/benchmark.md',
  'docs/protect-your-service.md',
] as const;

/** One ```ts block: where it is, how it is marked and the file that compiles it. */
export interface DocBlock {
  /** The document, relative to the repository root. */
  doc: string;
  /** The line of the block's first code line in the document (1-based). */
  line: number;
  kind: 'complete' | 'fragment' | 'before';
  /** The file name in the app, unique per block. */
  file: string;
  /** The source to compile. */
  source: string;
  /** How many lines precede the block's first code line in `source`. */
  offset: number;
}

const FRAGMENT_PRELUDE = [
  "import { KeycloakAuthModule } from 'nest-keycloak-s2s';",
  'declare const url: string;',
  'declare const realm: string;',
  'declare const clientId: string;',
  'declare const clientSecret: string | undefined;',
  'export {};',
];

/** The declaration file that lets `before` blocks name the package they migrate from. */
export const BEFORE_SHIM = "declare module 'nest-keycloak-connect';\n";

/** The ```ts / ```typescript blocks of `text`, each with the line of its first code line. */
export function blocksOf(text: string): { line: number; code: string[] }[] {
  const lines = text.split('\n');
  const blocks: { line: number; code: string[] }[] = [];
  let current: { line: number; code: string[] } | undefined;
  lines.forEach((raw, i) => {
    if (!current && /^\s*```(ts|typescript)\s*$/.test(raw)) current = { line: i + 2, code: [] };
    else if (current && /^\s*```\s*$/.test(raw)) {
      blocks.push(current);
      current = undefined;
    } else if (current) current.code.push(raw);
  });
  if (current) throw new Error(`an unclosed \`\`\`ts block at line ${current.line - 1}`);
  return blocks;
}

/** The block of `doc` at `line` made into a compilable file. */
export function toDocBlock(doc: string, line: number, code: string[]): DocBlock {
  const first = code[0]?.trim() ?? '';
  const file = `${doc.replace(/[^A-Za-z0-9]+/g, '_')}_L${line}.ts`;
  if (first.startsWith('// fragment:')) {
    const ownImport = code.some((l) => /^import\s.*\bKeycloakAuthModule\b/.test(l));
    const prelude = ownImport ? FRAGMENT_PRELUDE.slice(1) : FRAGMENT_PRELUDE;
    return {
      doc,
      line,
      kind: 'fragment',
      file,
      source: [...prelude, ...code].join('\n'),
      offset: prelude.length,
    };
  }
  const kind = first.startsWith('// before: nest-keycloak-connect') ? 'before' : 'complete';
  // Every block is a module of its own, so two examples may both declare an AppModule.
  return { doc, line, kind, file, source: `${code.join('\n')}\nexport {};\n`, offset: 0 };
}

/** Every ```ts block of the documents under `repo`. */
export function docBlocks(repo: string): DocBlock[] {
  return DOCUMENTS.flatMap((doc) => {
    let text: string;
    try {
      text = readFileSync(join(repo, doc), 'utf8');
    } catch {
      return [];
    }
    return blocksOf(text).map(({ line, code }) => toDocBlock(doc, line, code));
  });
}

/** `tsc`'s `file(line,col): error …` lines turned into `doc:line: error …`, for the blocks in `blocks`. */
export function mapDiagnostics(output: string, blocks: DocBlock[]): string[] {
  const byFile = new Map(blocks.map((b) => [b.file, b]));
  return output
    .split('\n')
    .filter((l) => /error TS\d+/.test(l))
    .map((l) => {
      const m = /^(?:.*[\\/])?([^\\/(]+\.ts)\((\d+),(\d+)\): (.*)$/.exec(l.trim());
      const block = m && byFile.get(m[1]);
      if (!m || !block) return l.trim();
      const line = block.line + Number(m[2]) - 1 - block.offset;
      return `${block.doc}:${line}:${m[3]} ${m[4]}`;
    });
}

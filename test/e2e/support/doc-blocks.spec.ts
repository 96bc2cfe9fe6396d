import { join } from 'node:path';
import { blocksOf, docBlocks, mapDiagnostics, toDocBlock } from './doc-blocks';

describe('the documentation blocks compiled by the fresh-app e2e test', () => {
  it('finds ```ts blocks with the line of their first code line', () => {
    const text = [
      '# t',
      '```ts',
      'const a = 1;',
      '```',
      '```bash',
      'ls',
      '```',
      '```typescript',
      'let b;',
      '```',
    ];
    expect(blocksOf(text.join('\n'))).toEqual([
      { line: 3, code: ['const a = 1;'] },
      { line: 9, code: ['let b;'] },
    ]);
  });

  it('refuses an unclosed block', () => {
    expect(() => blocksOf('```ts\nconst a = 1;\n')).toThrow(/unclosed/);
  });

  it('wraps a fragment in the prelude and maps its errors back to the document line', () => {
    const block = toDocBlock('docs/x.md', 10, [
      '// fragment: module options',
      'KeycloakAuthModule.forRoot({ url });',
    ]);
    expect(block.kind).toBe('fragment');
    expect(block.source).toContain('declare const url: string;');
    expect(block.source).toContain("import { KeycloakAuthModule } from 'nest-keycloak-s2s';");
    const srcLine = block.offset + 2; // the forRoot line
    expect(mapDiagnostics(`docs/${block.file}(${srcLine},5): error TS2345: bad`, [block])).toEqual([
      'docs/x.md:11:5 error TS2345: bad',
    ]);
  });

  it('does not import KeycloakAuthModule twice into a fragment that imports it', () => {
    const block = toDocBlock('d.md', 1, [
      '// fragment: x',
      "import { KeycloakAuthModule } from 'nest-keycloak-s2s';",
    ]);
    expect(block.source.match(/import \{ KeycloakAuthModule \}/g)).toHaveLength(1);
  });

  it('compiles an unmarked block as written and maps its errors to the document line', () => {
    const block = toDocBlock('README.md', 82, ['import x from "y";', 'x();']);
    expect(block.kind).toBe('complete');
    expect(mapDiagnostics(`${block.file}(2,1): error TS2349: no`, [block])).toEqual([
      'README.md:83:1 error TS2349: no',
    ]);
  });

  it('marks the code a migration starts from', () => {
    expect(toDocBlock('m.md', 1, ['// before: nest-keycloak-connect', 'x']).kind).toBe('before');
  });

  it('finds blocks in the README, the package README and docs/', () => {
    const docs = new Set(docBlocks(join(__dirname, '..', '..', '..')).map((b) => b.doc));
    expect([...docs]).toEqual(
      expect.arrayContaining(['README.md', 'libs/keycloak-auth/README.md', 'docs/library.md']),
    );
  });

  it('marks every block that imports nest-keycloak-connect as the code a migration starts from, and no other', () => {
    for (const block of docBlocks(join(__dirname, '..', '..', '..')))
      expect({ at: `${block.doc}:${block.line}`, before: block.kind === 'before' }).toEqual({
        at: `${block.doc}:${block.line}`,
        before: /from 'nest-keycloak-connect'/.test(block.source),
      });
  });
});

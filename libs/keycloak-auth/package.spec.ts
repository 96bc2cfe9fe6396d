import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, normalize, resolve, sep } from 'node:path';

// The package as a user installs it: `npm pack` (which builds dist/), unpacked. Its README must hold inside the
// tarball, every entry of "exports" must be there, and its API must be the committed report's.

const library = __dirname;
const work = mkdtempSync(join(tmpdir(), 'nest-keycloak-s2s-package-'));
const unpacked = join(work, 'package');
const manifest = JSON.parse(readFileSync(join(library, 'package.json'), 'utf8')) as {
  name: string;
  exports: Record<string, string | { types: string; default: string }>;
};
const entries = Object.entries(manifest.exports).filter(
  (entry): entry is [string, { types: string; default: string }] => typeof entry[1] === 'object',
);

/** Every link target of a markdown text: `[text](target)`, `[label]: target` and `<a href="target">`. */
function linkTargets(markdown: string): string[] {
  const inline = [...markdown.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
  const reference = [...markdown.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]);
  const html = [...markdown.matchAll(/<a\s[^>]*href="([^"]+)"/g)].map((m) => m[1]);
  return [...inline, ...reference, ...html];
}

beforeAll(() => {
  execFileSync('npm', ['pack', '--pack-destination', work], { cwd: library, stdio: 'pipe' });
  const tarball = readdirSync(work).find((file) => file.endsWith('.tgz'));
  execFileSync('tar', ['-xzf', join(work, tarball!), '-C', work]);
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed package', () => {
  it('holds a README whose every link resolves to a file inside the tarball, and none to a website', () => {
    const readme = readFileSync(join(unpacked, 'README.md'), 'utf8');
    const targets = linkTargets(readme);
    expect(targets.length).toBeGreaterThan(0);
    const broken = targets.filter((target) => {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return true; // an address elsewhere: not in the tarball
      const path = target.split('#')[0];
      if (path === '') return false; // an anchor of the README itself
      const file = normalize(resolve(unpacked, decodeURIComponent(path)));
      return !file.startsWith(unpacked + sep) || !existsSync(file);
    });
    expect(broken).toEqual([]);
  });

  it("names every public entry in its README's entry list", () => {
    const readme = readFileSync(join(unpacked, 'README.md'), 'utf8');
    const names = entries.map(([entry]) =>
      entry === '.' ? manifest.name : `${manifest.name}/${entry.slice(2)}`,
    );
    expect(names.filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
  });

  it('ships the JavaScript and the type declarations of every entry of "exports"', () => {
    const missing = entries.flatMap(([, target]) =>
      [target.types, target.default].filter((file) => !existsSync(join(unpacked, file))),
    );
    expect(missing).toEqual([]);
  });

  it('exports exactly the API of the committed report (api-report.md; `npm run api:report` after a change meant)', async () => {
    const script = join(library, '..', '..', 'scripts', 'api-report.mjs');
    const { apiReport } = (await import(script)) as { apiReport: (dir: string) => string };
    expect(apiReport(unpacked)).toBe(readFileSync(join(library, 'api-report.md'), 'utf8'));
  });
});

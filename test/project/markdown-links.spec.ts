import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

const root = join(__dirname, '..', '..');

/** The repository's markdown files, as git tracks them (untracked drafts and node_modules left out). */
function markdownFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.md'], {
    cwd: root,
    encoding: 'utf8',
  });
  return out.split('\n').filter((file) => file !== '' && existsSync(join(root, file)));
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, '');
  return new Set([...withoutCode.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1])));
}

/** The relative link targets of a markdown text (`[text](target)`), code blocks and code spans left out. */
function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1])
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

describe('links between the markdown files', () => {
  it('anchors are made as GitHub makes them', () => {
    expect(anchorOf('Which Keycloak, and why')).toBe('which-keycloak-and-why');
    expect(anchorOf('Revocation and faults under load (`test/e2e/faults`)')).toBe(
      'revocation-and-faults-under-load-teste2efaults',
    );
  });

  it.each(markdownFiles())('%s: every relative link names a file (and heading) that exists', (file) => {
    const text = readFileSync(join(root, file), 'utf8');
    const broken = relativeLinks(text).filter((target) => {
      const [path, anchor] = target.split('#');
      const targetFile = path === '' ? file : normalize(join(dirname(file), decodeURIComponent(path)));
      const absolute = join(root, targetFile);
      if (!existsSync(absolute)) return true;
      if (anchor === undefined || !targetFile.endsWith('.md')) return false;
      return !anchorsOf(readFileSync(absolute, 'utf8')).has(anchor);
    });
    expect(broken).toEqual([]);
  });
});

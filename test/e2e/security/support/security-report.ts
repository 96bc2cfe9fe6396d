import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Observed } from './attack-http';

/** One line of the report: what a case expected and what the run actually saw. */
export interface ReportRow {
  case: string;
  mode: string;
  expected: string;
  observed: string;
}

/**
 * The parts of a `WWW-Authenticate` challenge the report shows: the error (on the DPoP scheme: `DPoP <error>`) and
 * the scope; for a challenge without an error code (RFC 6750 §3.1), the schemes it offers.
 */
export function challengeSummary(challenge: string | null): string {
  if (challenge === null) return 'no challenge';
  const error = /error="([^"]*)"/.exec(challenge)?.[1];
  if (error === undefined) {
    const schemes = challenge.match(/\b(Bearer|DPoP) realm/g)?.map((m) => m.split(' ')[0]) ?? ['?'];
    return `no error code (${schemes.join(', ')})`;
  }
  const scheme = challenge.startsWith('DPoP ') ? 'DPoP ' : '';
  const scope = /scope="([^"]*)"/.exec(challenge)?.[1];
  return scope === undefined ? `${scheme}${error}` : `${scheme}${error} scope="${scope}"`;
}

/** What a case observed, in one cell: status, challenge, the library's code, and the next hop's calls. */
export function observedCell(res: Observed, nextHopCalls?: number): string {
  const parts = [String(res.status || 'no answer'), challengeSummary(res.wwwAuthenticate)];
  if (typeof res.body.code === 'string') parts.push(`code ${res.body.code}`);
  if (Array.isArray(res.body.fields)) parts.push(`fields ${res.body.fields.join(',')}`);
  if (nextHopCalls !== undefined) parts.push(`service-c calls +${nextHopCalls}`);
  return parts.join('; ');
}

/** Collects rows while the tests run; {@link SecurityReport.write} renders them once at the end. */
export class SecurityReport {
  private readonly rows: ReportRow[] = [];

  add(row: ReportRow): void {
    this.rows.push(row);
  }

  /**
   * Writes the markdown table to `file` (creating its folder): cases in the order they first ran, modes side by
   * side, after `preamble` and a `Run:` line naming the date and the commit (`npm run results:readme` quotes it).
   */
  write(file: string, preamble: string[]): void {
    const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
    const first = new Map<string, number>();
    this.rows.forEach((r, i) => first.set(r.case, first.get(r.case) ?? i));
    const rows = this.rows
      .map((r, i) => ({ r, i }))
      .sort((a, b) => first.get(a.r.case)! - first.get(b.r.case)! || a.i - b.i)
      .map(({ r }) => r);
    const lines = [
      ...preamble,
      '',
      `Run: ${new Date().toISOString()}, ${commitDescription()}.`,
      '',
      '| case | mode | expected | observed |',
      '| --- | --- | --- | --- |',
      ...rows.map((r) => `| ${[r.case, r.mode, r.expected, r.observed].map(cell).join(' | ')} |`),
      '',
    ];
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, lines.join('\n'));
  }

  get size(): number {
    return this.rows.length;
  }
}

/** The checked-out commit and whether the tree had changes, e.g. `commit 1a2b3c4` (`commit unknown` without git). */
function commitDescription(): string {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: 'pipe' }).trim();
  try {
    const changed = git('status', '--porcelain', '--untracked-files=no') !== '';
    return `commit ${git('rev-parse', '--short', 'HEAD')}${changed ? ' with uncommitted changes' : ''}`;
  } catch {
    return 'commit unknown';
  }
}

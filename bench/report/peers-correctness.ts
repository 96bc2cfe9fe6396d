import type { CorrectnessResult, Probe } from '../peers/correctness';
import { challengesOn401, PROBES, refused } from '../peers/correctness';
import { table } from './format';

const PROBE_TITLES: Record<Probe, string> = {
  valid: 'service-a token',
  noToken: 'no token',
  otherAudience: 'other audience',
  algNone: 'alg none',
  expired: 'expired',
};

/** A `WWW-Authenticate` header in short: its scheme(s) and RFC 6750 §3.1 error code, e.g. `Bearer invalid_token`. */
export function challengeInShort(header: string | undefined): string {
  if (header === undefined) return 'no challenge';
  const schemes = [...header.matchAll(/(?:^|,\s*)(Bearer|DPoP|Basic)\b/gi)].map((m) => m[1]);
  const error = /error="([^"]*)"/.exec(header)?.[1];
  return [schemes.join('+') || header.split(/\s/, 1)[0], error].filter(Boolean).join(' ');
}

function answerCell(result: CorrectnessResult, probe: Probe): string {
  const answer = result[probe];
  const good = probe === 'valid' ? answer.status === 200 : refused(answer);
  const status = good ? String(answer.status) : `**${answer.status}**`;
  return answer.status === 401 ? `${status} ${challengeInShort(answer.wwwAuthenticate)}` : status;
}

/** The correctness table: per guarded app, what it answered to each probe, and whether its 401s challenge. */
export function correctnessTable(apps: readonly { id: string; correctness?: CorrectnessResult }[]): string {
  return table(
    ['app', ...PROBES.map((p) => PROBE_TITLES[p]), 'RFC 6750 challenge on 401'],
    apps
      .filter((app) => app.correctness)
      .map((app) => {
        const result = app.correctness as CorrectnessResult;
        return [
          app.id,
          ...PROBES.map((p) => answerCell(result, p)),
          challengesOn401(result) ? 'yes' : '**no**',
        ];
      }),
  );
}

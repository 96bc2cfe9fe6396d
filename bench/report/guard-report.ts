import { count, fixed, table } from './format';
import { RunHeader, runLine } from './machine';

/** One case of the guard micro-benchmark. */
export interface GuardCaseResult {
  id: string;
  title: string;
  validations: number;
  durationSec: number;
  perSec: number;
  meanUs: number;
  p50Us: number;
  p99Us: number;
}

/** A guard micro-benchmark run, as written to bench/results/guard.json. */
export interface GuardReport extends RunHeader {
  secondsPerCase: number;
  cases: GuardCaseResult[];
}

/** The report as markdown. */
export function guardMarkdown(report: GuardReport): string {
  return [
    runLine(report),
    '',
    `One validation at a time through KeycloakAuthGuard (a route with \`@RequireScopes\` and \`@Roles\`, like ` +
      `service-b's), at most ${report.secondsPerCase} s per case, against a local realm: real RS256 keys and ` +
      `JWKS, and an introspection stand-in on loopback.`,
    '',
    table(
      ['case', 'validations / s', 'mean µs', 'p50 µs', 'p99 µs', 'validations'],
      report.cases.map((c) => [
        c.title,
        count(c.perSec),
        fixed(c.meanUs, 1),
        fixed(c.p50Us, 1),
        fixed(c.p99Us, 1),
        count(c.validations),
      ]),
    ),
  ].join('\n');
}

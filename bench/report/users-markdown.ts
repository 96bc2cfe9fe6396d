import { count, fixed, table, times } from './format';
import { runLine } from './machine';
import { perRequest, ratio } from './stats';
import {
  bytesPerUser,
  exchangesPerRequest,
  fits,
  checkUsersTargets,
  HEAP_ENTRY_FACTOR,
  HEAP_SLACK_MIB,
  hitRate,
  keycloakPerRequest,
  oneToken,
  UsersMode,
  UsersReport,
  UsersRun,
} from './users-report';

const MiB = 2 ** 20;

/** Service and Keycloak CPU milliseconds per request of a run's window. */
function cpuPerRequest(run: UsersRun): number | undefined {
  const { 'service-b': b = 0, 'service-c': c = 0, keycloak = 0 } = run.cpuMs;
  return perRequest(b + c + keycloak, run.sent);
}

/** What one mode's runs say about the bound. */
function modeAdvice(report: UsersReport, mode: UsersMode): string {
  const runs = report.runs.filter((run) => run.mode === mode);
  const fitting = runs.filter((run) => fits(run) && run.users > 1).sort((a, b) => b.users - a.users)[0];
  const over = runs.find((run) => !fits(run));
  const perUser = bytesPerUser(report, mode);
  const parts = [`In ${mode} mode,`];
  if (fitting)
    parts.push(
      `${count(fitting.users)} users under a bound of ${count(fitting.cacheMaxEntries)} made ` +
        `${fixed(exchangesPerRequest(fitting), 3)} exchange calls per request${over ? ';' : '.'}`,
    );
  if (over) {
    const base = oneToken(report, mode);
    const cost = base ? ratio(cpuPerRequest(over) ?? NaN, cpuPerRequest(base)) : undefined;
    parts.push(
      `${count(over.users)} users over a bound of ${count(over.cacheMaxEntries)} made ` +
        `${fixed(exchangesPerRequest(over), 2)} per request` +
        `${cost === undefined ? '' : `, at ${times(cost, 1)} the CPU per request of one token`}.`,
    );
  }
  if (perUser !== undefined)
    parts.push(
      `Memory ≈ entries × ${fixed(perUser / 1024, 1)} KiB of service-b's heap per cached user: ` +
        `10 000 users ≈ ${fixed((10_000 * perUser) / MiB, 0)} MiB, 100 000 ≈ ${fixed((100_000 * perUser) / MiB, 0)} MiB.`,
    );
  return parts.join(' ');
}

/** The sizing advice, computed from the runs. */
export function sizingAdvice(report: UsersReport): string {
  return [
    'Set `verification.cacheMaxEntries` to the distinct users active within one token lifetime (an entry is kept until its ' +
      'token expires, unless the bound evicts it first).',
    ...report.settings.modes.map((mode) => modeAdvice(report, mode)),
  ].join(' ');
}

/** One row of the runs' table. */
function row(report: UsersReport, run: UsersRun): string[] {
  const p99 = ratio(run.latencyMs.p99, oneToken(report, run.mode)?.latencyMs.p99);
  const msPerRequest = (ms: number | undefined) =>
    fixed(ms === undefined ? undefined : perRequest(ms, run.sent), 2);
  const { 'service-b': b, 'service-c': c } = run.cpuMs;
  const rate = hitRate(run);
  return [
    run.mode,
    run.title,
    count(run.users),
    count(run.cacheMaxEntries),
    fixed(run.reqPerSec),
    fixed(run.latencyMs.p50),
    `${fixed(run.latencyMs.p99)} (${times(p99)})`,
    fixed(exchangesPerRequest(run), 3),
    fixed(keycloakPerRequest(run), 3),
    rate === undefined ? '–' : `${fixed(rate * 100, 1)} %`,
    msPerRequest(b === undefined || c === undefined ? undefined : b + c),
    msPerRequest(run.cpuMs.keycloak),
    `${fixed(run.heapUsedMiB.before, 1)} → ${fixed(run.heapUsedMiB.after, 1)}`,
    `${count(run.non2xx + run.errors)}`,
  ];
}

/** The report as markdown: the runs' table, the targets met or missed, the sizing advice. */
export function usersMarkdown(report: UsersReport): string {
  const { settings, setup } = report;
  const perUser = settings.modes.map((mode) => `${mode} ${count(bytesPerUser(report, mode))}`).join(', ');
  const targets = checkUsersTargets(report).map(
    (t) => `- ${t.met ? 'met' : '**missed**'}: ${t.name} — ${t.detail}`,
  );
  return [
    runLine(report),
    '',
    `The delegated chain in ${settings.modes.join(' and ')} mode: user tokens (aud service-b, scope orders.read) ` +
      `sent in turn to service-b \`POST /api/process\`, which exchanges each (RFC 8693) for service-c. Each run: ` +
      `fresh services, one pass over its tokens as warm-up (the bound's worth when the users exceed it), ` +
      `${settings.warmupSec} s more, then ${settings.durationSec} s measured with ${settings.connections} ` +
      `connections. Hit rate = 1 − exchange calls / requests in that window. ${count(setup.users)} users created ` +
      `in ${fixed(setup.createSec, 1)} s, their tokens made in ${fixed(setup.tokensSec, 1)} s, before any ` +
      `measurement.${settings.modes.includes('introspection') ? ` Introspection mode runs with \`INTROSPECTION_CACHE_TTL\` longer than the part and no per-caller limit, so that only the bound removes an answer.` : ''}`,
    '',
    table(
      [
        'mode',
        'run',
        'users',
        'bound',
        'req/s',
        'p50 ms',
        'p99 ms (× one token)',
        'exchanges/req',
        'Keycloak calls/req',
        'hit rate',
        'service CPU ms/req',
        'Keycloak CPU ms/req',
        'service-b heap MiB',
        'failed',
      ],
      report.runs.map((run) => row(report, run)),
    ),
    '',
    `Bytes per cached user: ${perUser} (service-b's heap growth in the mode's biggest fitting run beyond its ` +
      `one-token run's, over its users). A run over its bound may add at most bound × that × ` +
      `${HEAP_ENTRY_FACTOR} + ${HEAP_SLACK_MIB} MiB.`,
    '',
    ...targets,
    '',
    sizingAdvice(report),
  ].join('\n');
}

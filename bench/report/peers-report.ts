import { KeycloakCallCounts, totalCalls } from '../keycloak-proxy/counting-proxy';
import type { AuthzProbes, CorrectnessResult } from '../peers/correctness';
import type { Adapter, PeerLibrary } from '../peers/peer-apps';
import { count, fixed, table } from './format';
import { RunHeader, runLine } from './machine';
import { challengeInShort, correctnessTable } from './peers-correctness';
import { median, perRequest, sum } from './stats';
import { LoadWindow } from './load-window';
import { warmUpCapSec } from '../chain/load';

/** CPU milliseconds of one window: the app's process, Keycloak's JVM, the counting proxy, the load generator. */
export type PeerCpu = Partial<Record<'app' | 'keycloak' | 'proxy' | 'loadGenerator', number>>;

/** One measured window of one app. */
export interface PeerRound extends LoadWindow {
  /** Keycloak calls from a quiet start until quiet again after the window (the counting proxy). */
  keycloakCalls: KeycloakCallCounts;
  loadAverage: number;
  cpuMs: PeerCpu;
  /** The window at {@link PeersSettings.cpuRatePerSec}: requests sent and the app's CPU ms over it. */
  atRate?: { sent: number; appCpuMs: number };
}

/** One app's results over the run. */
export interface PeerAppResult {
  id: string;
  library: PeerLibrary;
  /** The library's version (its package.json), absent for the bare route. */
  libraryVersion?: string;
  mode: string;
  /** The Nest version the app ran on (its @nestjs/core). */
  framework: string;
  adapter: Adapter;
  ours: boolean;
  /** The bare route on the same Nest version and adapter. */
  bareId: string;
  rounds: PeerRound[];
  /** The answers to the correctness probes; absent for the bare routes. */
  correctness?: CorrectnessResult;
  /** Whether its route requires a permission of Keycloak's Authorization Services. */
  authz?: boolean;
  /** The app it is compared with for the permission's cost: the same library, mode and adapter without it. */
  plainId?: string;
  /** The authorization probes' answers (apps with {@link authz}). */
  authzProbes?: AuthzProbes;
}

/** The settings every app ran with. */
export interface PeersSettings {
  durationSec: number;
  warmupSec: number;
  warmupRequests: number;
  connections: number;
  rounds: number;
  /**
   * Requests per second of the second window this library's apps and the bare routes get each round (0: none):
   * CPU per request compared at one load, since a process answering fewer requests a second spends more CPU on
   * each (fewer answers share a wake-up), which would charge the guard for the bare route's higher rate.
   */
  cpuRatePerSec: number;
}

/** A peers run, as written to bench/results/peers.json. */
export interface PeersReport extends RunHeader {
  settings: PeersSettings;
  apps: PeerAppResult[];
  /** Apps that could not run (e.g. a peer that does not start on an adapter), with the reason. */
  notRun: { id: string; reason: string }[];
}

/** A target of issue 17 evaluated on the run. */
export interface PeersTarget {
  target: string;
  value: number | undefined;
  limit: number;
  /** Undefined when an app it needs did not run. */
  met: boolean | undefined;
  /** Decimals of the value in the table (default: 5 below 1, else 2). */
  digits?: number;
}

/** The most CPU µs per request this library's cached permission decision may add to its plain guard (Fastify). */
export const AUTHZ_OVERHEAD_LIMIT_US = 10;

const sent = (app: PeerAppResult) => sum(app.rounds.map((r) => r.sent));

/** The median over rounds of the app's req/s. */
export function appReqPerSec(app: PeerAppResult): number | undefined {
  return median(app.rounds.map((r) => r.reqPerSec));
}

/** The median over rounds of a latency percentile (ms). */
export function appLatency(app: PeerAppResult, which: 'p50' | 'p99'): number | undefined {
  return median(app.rounds.map((r) => r.latencyMs[which]));
}

/** Keycloak calls per request sent, over all rounds. */
export function appCallsPerRequest(app: PeerAppResult): number | undefined {
  return perRequest(sum(app.rounds.map((r) => totalCalls(r.keycloakCalls))), sent(app));
}

/** CPU ms per request sent of one process, over all rounds; undefined when a round lacks the reading. */
export function appCpuPerRequest(app: PeerAppResult, part: keyof PeerCpu): number | undefined {
  const used = app.rounds.map((r) => r.cpuMs[part]);
  if (used.length === 0 || used.some((ms) => ms === undefined)) return undefined;
  return perRequest(sum(used as number[]), sent(app));
}

/**
 * The app's CPU µs per request above its bare route's: the median over rounds of the difference within each
 * round, so that a machine getting busier between rounds moves both sides alike. Taken from the fixed-rate
 * windows when both apps had one, else from the windows at full speed.
 */
export function overheadUs(app: PeerAppResult, bare: PeerAppResult | undefined): number | undefined {
  if (!bare) return undefined;
  const atRate = app.rounds.every((r, i) => r.atRate && bare.rounds[i]?.atRate);
  const usPerRequest = (round: PeerRound): number | undefined => {
    const [ms, sent] = atRate ? [round.atRate?.appCpuMs, round.atRate?.sent] : [round.cpuMs.app, round.sent];
    return ms === undefined || !(sent && sent > 0) ? undefined : (ms / sent) * 1000;
  };
  const differences: number[] = [];
  app.rounds.forEach((round, i) => {
    const [mine, theirs] = [usPerRequest(round), bare.rounds[i] && usPerRequest(bare.rounds[i])];
    if (mine !== undefined && theirs !== undefined) differences.push(mine - theirs);
  });
  return median(differences);
}

const byId = (report: PeersReport, id: string) => report.apps.find((a) => a.id === id);

/** Answers other than 2xx and connection errors in the measured windows. */
export function appFailures(app: PeerAppResult): number {
  return sum(app.rounds.map((r) => r.non2xx + r.errors));
}

/**
 * Issue 17's targets: this library's per-hop CPU on Fastify ≤ 10 µs (jwt) and ≤ 12 µs (introspection) above bare
 * Nest 12 Fastify; each of its modes ahead of every peer's best mode in req/s on the same adapter; 0 Keycloak
 * calls per request in steady state (≤ 0.0001, one introspection per cache lifetime at most).
 */
export function checkPeersTargets(report: PeersReport): PeersTarget[] {
  const atMost = (target: string, value: number | undefined, limit: number): PeersTarget => ({
    target,
    value,
    limit,
    met: value === undefined ? undefined : value <= limit,
  });
  const targets: PeersTarget[] = [];
  for (const [mode, limit] of [
    ['jwt', 10],
    ['introspection', 12],
  ] as const) {
    const app = byId(report, `ours-fastify-${mode}`);
    targets.push(
      atMost(
        `${mode}: CPU µs / request above bare Nest 12 Fastify ≤ ${limit}`,
        app && overheadUs(app, byId(report, app.bareId)),
        limit,
      ),
    );
  }
  for (const adapter of ['express', 'fastify'] as const) {
    for (const ours of report.apps.filter((a) => a.ours && a.adapter === adapter)) {
      // A route requiring a permission is compared with the peers' routes requiring it, a plain one with plain ones.
      const peers = report.apps.filter(
        (a) => a.adapter === adapter && !a.ours && a.library !== 'none' && !a.authz === !ours.authz,
      );
      const best = Math.max(...peers.map((a) => appReqPerSec(a) ?? 0));
      const mine = appReqPerSec(ours);
      const ratio = peers.length === 0 || mine === undefined || !(best > 0) ? undefined : mine / best;
      targets.push({
        target: `${ours.mode} (${adapter}) req/s ÷ best peer's on ${adapter} > 1`,
        value: ratio,
        limit: 1,
        met: ratio === undefined ? undefined : ratio > 1,
      });
    }
  }
  for (const ours of report.apps.filter((a) => a.ours))
    targets.push(atMost(`${ours.id}: Keycloak calls / request ≤ 0.0001`, appCallsPerRequest(ours), 0.0001));
  const authz = byId(report, 'ours-fastify-jwt-authz');
  const plain = authz?.plainId === undefined ? undefined : byId(report, authz.plainId);
  targets.push(
    atMost(
      `ours-fastify-jwt-authz: CPU µs / request above ours-fastify-jwt (the cached decision) ≤ ${AUTHZ_OVERHEAD_LIMIT_US}`,
      authz && plain && overheadUs(authz, plain),
      AUTHZ_OVERHEAD_LIMIT_US,
    ),
  );
  for (const app of report.apps.filter((a) => a.ours && a.authz)) targets.push(...authzProbeTargets(app));
  return targets;
}

/** An answer expected of a probe: met when the status (and the Keycloak calls, when counted) are the ones expected. */
function answered(target: string, status: number | undefined, expected: number): PeersTarget {
  return {
    target,
    value: status,
    limit: expected,
    met: status === undefined ? undefined : status === expected,
    digits: 0,
  };
}

/** The authorization probes' targets for one of this library's apps: 403, 401 without a Keycloak call, 503. */
export function authzProbeTargets(app: PeerAppResult): PeersTarget[] {
  const probes = app.authzProbes;
  return [
    answered(`${app.id}: a caller the permission does not grant → 403`, probes?.denied.status, 403),
    answered(`${app.id}: a forged token → 401`, probes?.forged.status, 401),
    {
      target: `${app.id}: Keycloak calls for a forged token = 0`,
      value: probes?.forged.keycloakCalls,
      limit: 0,
      met: probes === undefined ? undefined : probes.forged.keycloakCalls === 0,
      digits: 0,
    },
    answered(`${app.id}: Keycloak down, a token not decided before → 503`, probes?.keycloakDown.status, 503),
  ];
}

/** Per app, the numbers of the main table (for readers of the JSON). */
export function peersSummary(report: PeersReport) {
  return report.apps.map((app) => ({
    id: app.id,
    library: app.library,
    mode: app.mode,
    framework: app.framework,
    adapter: app.adapter,
    reqPerSec: appReqPerSec(app),
    p50Ms: appLatency(app, 'p50'),
    p99Ms: appLatency(app, 'p99'),
    serviceCpuMsPerRequest: appCpuPerRequest(app, 'app'),
    cpuUsAboveBare: app.library === 'none' ? undefined : overheadUs(app, byId(report, app.bareId)),
    keycloakCpuMsPerRequest: appCpuPerRequest(app, 'keycloak'),
    keycloakCallsPerRequest: appCallsPerRequest(app),
    cpuUsAbovePlain: app.plainId === undefined ? undefined : overheadUs(app, byId(report, app.plainId)),
    failures: appFailures(app),
  }));
}

function verdict(met: boolean | undefined): string {
  if (met === undefined) return 'not run';
  return met ? 'met' : '**missed**';
}

const title = (app: PeerAppResult) =>
  app.library === 'none'
    ? 'bare route'
    : `${app.library}${app.libraryVersion ? ` ${app.libraryVersion}` : ''}`;

/**
 * A sentence for each app whose requests each cost a Keycloak call (a peer's ONLINE mode): its throughput is bound
 * by Keycloak's capacity, and part of what a request costs is Keycloak's CPU, not the service's.
 */
export function keycloakBoundNotes(report: PeersReport): string[] {
  return report.apps
    .filter((app) => (appCallsPerRequest(app) ?? 0) >= 0.5)
    .map(
      (app) =>
        `- \`${app.id}\`: ${fixed(appCallsPerRequest(app), 2)} Keycloak calls per request (Keycloak's CPU ` +
        `${fixed(appCpuPerRequest(app, 'keycloak'), 2)} ms per request, the service's ` +
        `${fixed(appCpuPerRequest(app, 'app'), 2)} ms): each request waits for Keycloak, whose capacity bounds the app's.`,
    );
}

function warmUp({ warmupSec, warmupRequests }: PeersSettings): string {
  if (warmupSec === 0) return 'no warm-up';
  const cap = warmUpCapSec(warmupSec);
  return `${warmupSec} s warm-up (longer until it had answered ${warmupRequests} requests, at most ${cap} s)`;
}

/** The report as markdown: the main table, the correctness answers, the targets. */
export function peersMarkdown(report: PeersReport): string {
  const { settings } = report;
  const main = table(
    [
      'app',
      'library',
      'mode',
      'Nest',
      'adapter',
      'req/s',
      'p50 ms',
      'p99 ms',
      'CPU ms / request: service',
      settings.cpuRatePerSec > 0 ? `µs above bare (at ${settings.cpuRatePerSec} req/s)` : 'µs above bare',
      'Keycloak',
      'Keycloak calls / request',
      'failed',
    ],
    report.apps.map((app) => [
      app.id,
      title(app),
      app.mode,
      app.framework,
      app.adapter,
      count(appReqPerSec(app)),
      fixed(appLatency(app, 'p50'), 1),
      fixed(appLatency(app, 'p99'), 1),
      fixed(appCpuPerRequest(app, 'app'), 3),
      app.library === 'none' ? '–' : fixed(overheadUs(app, byId(report, app.bareId)), 1),
      fixed(appCpuPerRequest(app, 'keycloak'), 3),
      fixed(appCallsPerRequest(app), 4),
      String(appFailures(app)),
    ]),
  );
  const correctness = correctnessTable(report.apps);
  const targets = table(
    ['target', 'this run', 'verdict'],
    checkPeersTargets(report).map((t) => [
      t.target,
      fixed(t.value, t.digits ?? (t.limit < 1 ? 5 : 2)),
      verdict(t.met),
    ]),
  );
  const notRun = report.notRun.map((n) => `- \`${n.id}\` not run: ${n.reason}`);
  const authzApps = report.apps.filter((a) => a.authzProbes);
  const authzTable = table(
    [
      'app',
      'mode',
      'µs above its plain guard',
      'caller not granted',
      'forged token',
      'Keycloak down, undecided token',
    ],
    authzApps.map((app) => {
      const p = app.authzProbes as AuthzProbes;
      const calls = (n: number) => `${n} Keycloak call${n === 1 ? '' : 's'}`;
      const plain = app.plainId === undefined ? undefined : byId(report, app.plainId);
      return [
        app.id,
        app.mode,
        plain ? `${fixed(overheadUs(app, plain), 1)} (${plain.id})` : '–',
        `${p.denied.status} (${calls(p.denied.keycloakCalls)})`,
        `${p.forged.status} ${p.forged.status === 401 ? challengeInShort(p.forged.wwwAuthenticate) : ''} (${calls(p.forged.keycloakCalls)})`.replace(
          '  ',
          ' ',
        ),
        `${p.keycloakDown.status}`,
      ];
    }),
  );
  return [
    runLine(report),
    '',
    `Each app: ${warmUp(settings)}, then ${settings.durationSec} s measured at ` +
      `${settings.connections} connections (autocannon, loopback), ${settings.rounds} round(s) with the apps ` +
      `taking turns (medians over rounds). The same route (\`POST /api/process\`), Keycloak (through the counting ` +
      `proxy), realm and token (service-a's client credentials) for all.` +
      (settings.cpuRatePerSec > 0
        ? ` This library's apps and the bare routes also get a window of ${settings.durationSec} s at a fixed ` +
          `${settings.cpuRatePerSec} req/s each round: "µs above bare" compares CPU per request at that one load.`
        : ''),
    '',
    main,
    ...(keycloakBoundNotes(report).length > 0 ? ['', ...keycloakBoundNotes(report)] : []),
    '',
    'What each guarded app answered, once, before the load (status and `WWW-Authenticate`; bold: not the expected ' +
      'answer, a 200 for the good token, a refusal for the others):',
    '',
    correctness,
    '',
    ...(authzApps.length > 0
      ? [
          'The routes requiring the permission `order#read` (a resource server on the bench client; granted to ' +
            'service-a only): what each answered, once, before the load, to a real token of a caller it does not ' +
            "grant, to a forged token (the realm's kid, a key of our own), and to a service-a token it never saw " +
            'while the proxy plays Keycloak down (connections closed):',
          '',
          authzTable,
          '',
        ]
      : []),
    targets,
    ...(notRun.length > 0 ? ['', ...notRun] : []),
  ].join('\n');
}

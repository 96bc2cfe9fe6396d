import { KeycloakCallCounts, totalCalls } from '../keycloak-proxy/counting-proxy';
import type { CorrectnessResult } from '../peers/correctness';
import type { Adapter, PeerLibrary } from '../peers/peer-apps';
import { count, fixed, table } from './format';
import { RunHeader, runLine } from './machine';
import { correctnessTable } from './peers-correctness';
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
}

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
    const peers = report.apps.filter((a) => a.adapter === adapter && !a.ours && a.library !== 'none');
    const best = Math.max(...peers.map((a) => appReqPerSec(a) ?? 0));
    for (const ours of report.apps.filter((a) => a.ours && a.adapter === adapter)) {
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
  return targets;
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
    checkPeersTargets(report).map((t) => [t.target, fixed(t.value, t.limit < 1 ? 5 : 2), verdict(t.met)]),
  );
  const notRun = report.notRun.map((n) => `- \`${n.id}\` not run: ${n.reason}`);
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
    targets,
    ...(notRun.length > 0 ? ['', ...notRun] : []),
  ].join('\n');
}

import {
  KEYCLOAK_CALL_KINDS,
  KeycloakCallCounts,
  noCalls,
  totalCalls,
} from '../keycloak-proxy/counting-proxy';
import type { FloodResult } from '../chain/forged-flood';
import { count, fixed, table, times } from './format';
import { RunHeader, runLine } from './machine';
import { median, perRequest, ratio, sum } from './stats';
import { LoadWindow } from './load-window';
import { warmUpCapSec } from '../chain/load';
import { ReplayStoreCost, replayStoreTable } from './replay-store-report';

/**
 * The scenarios, in the order they run and are reported: the four of the chain, then jwt mode again with
 * service-b's DPoP key made for ES256 (P-256) and for PS256 instead of the default EdDSA (`DPOP_KEY_ALG`).
 */
export const SCENARIO_IDS = [
  'no-auth',
  'uncached',
  'introspection',
  'jwt',
  'jwt-es256',
  'jwt-ps256',
] as const;
/** One of {@link SCENARIO_IDS}. */
export type ScenarioId = (typeof SCENARIO_IDS)[number];

/** What one measured window of one scenario gave. */
export interface RoundResult extends LoadWindow {
  // Answers other than 2xx and connection errors (LoadWindow's non2xx, errors) make the run invalid.
  /**
   * Keycloak calls caused by the requests sent in the window, by kind (the counting proxy): counted from a quiet
   * start until the services are quiet again after the window, so requests still in flight at its end count too.
   */
  keycloakCalls: KeycloakCallCounts;
  /** The 1-minute load average when the window began. */
  loadAverage: number;
  /**
   * CPU milliseconds used over the same span as {@link keycloakCalls} (Linux /proc; absent elsewhere): the three
   * services together, Keycloak's JVM, the load generator (this process) and the counting proxy.
   */
  cpuMs: CpuUse;
  /**
   * The window at {@link ChainSettings.cpuRatePerSec} after it (absent for the uncached chain, which cannot
   * answer that fast, and with `--chain-cpu-rate 0`): CPU compared at one load.
   */
  atRate?: RateWindow;
}

/** A window at a fixed request rate: what was sent and answered, and the CPU used over it (as in the round). */
export interface RateWindow {
  ratePerSec: number;
  durationSec: number;
  sent: number;
  non2xx: number;
  errors: number;
  cpuMs: CpuUse;
}

/**
 * The DPoP crypto floor of one proof algorithm, CPU µs per operation (the process's, mean over the operations),
 * measured in the benchmark's process: service-b's proof (DpopProofMaker: jose signs it), the bare verification of its signature (jose
 * compactVerify with the key at hand), and service-c's whole DPoP check (KeycloakAuthGuard with a DPoP-bound token
 * and a fresh proof, minus the same guard with a cached bearer token).
 */
export interface DpopFloor {
  alg: string;
  /** Proofs made (and each checked once). */
  proofs: number;
  signUs: number;
  verifyUs: number;
  checkUs: number;
}

/** Who used CPU: the three services together and each of them, Keycloak, the load generator, the proxy. */
export const CPU_PARTS = [
  'services',
  'service-a',
  'service-b',
  'service-c',
  'keycloak',
  'loadGenerator',
  'proxy',
] as const;

/** CPU milliseconds by who used them; a part is absent when it could not be read. */
export type CpuUse = Partial<Record<(typeof CPU_PARTS)[number], number>>;

/** What one scenario measured: one result per round. */
export interface ScenarioResult {
  id: ScenarioId;
  title: string;
  /** Keycloak calls the first chain request made, on fresh services (every cache cold). */
  firstRequestCalls: number;
  /** The algorithm of service-b's DPoP key, which signs one proof per chain request (the b → c call). */
  dpopAlg?: string;
  rounds: RoundResult[];
}

/** The settings every scenario ran with. */
export interface ChainSettings {
  durationSec: number;
  warmupSec: number;
  /** The warm-up goes on (up to a limit) until this many requests were answered. */
  warmupRequests: number;
  connections: number;
  /** The services' LOG_LEVEL. */
  logLevel: string;
  /** Rounds: every scenario is measured once per round, the scenarios taking turns. */
  rounds: number;
  /** Requests per second of each round's fixed-rate window (0 or absent: none). */
  cpuRatePerSec?: number;
}

/** A flood of forged tokens at one scenario's service-b, and the Keycloak calls it caused. */
export interface FloodRun extends FloodResult {
  scenario: ScenarioId;
  keycloakCalls: KeycloakCallCounts;
}

/** A whole chain run, as written to bench/results/chain.json. */
export interface ChainReport extends RunHeader {
  settings: ChainSettings;
  scenarios: ScenarioResult[];
  /** The floods of forged tokens after the rounds (absent in runs from before they were measured). */
  floods?: FloodRun[];
  /** The DPoP crypto floor per proof algorithm (absent in runs from before it was measured). */
  dpopFloor?: DpopFloor[];
  /** Service-c's DPoP check with each replay store (absent in runs from before it was measured). */
  replayStores?: ReplayStoreCost[];
}

/** A target of the benchmark issue, evaluated on one run's numbers. */
export interface TargetCheck {
  target: string;
  value: number | undefined;
  limit: number;
  /** Undefined when a scenario it needs did not run. */
  met: boolean | undefined;
}

const roundsOf = <T>(result: ScenarioResult, pick: (round: RoundResult) => T): T[] => result.rounds.map(pick);

/** A scenario's req/s: the median of its rounds. */
export function reqPerSec(result: ScenarioResult): number | undefined {
  return median(roundsOf(result, (r) => r.reqPerSec));
}

/** A scenario's latency percentile (ms): the median of its rounds'. */
export function latency(result: ScenarioResult, which: 'p50' | 'p99'): number | undefined {
  return median(roundsOf(result, (r) => r.latencyMs[which]));
}

/** All Keycloak calls of a scenario's rounds, by kind. */
export function keycloakCalls(result: ScenarioResult): KeycloakCallCounts {
  const calls = noCalls();
  for (const round of result.rounds)
    for (const kind of KEYCLOAK_CALL_KINDS) calls[kind] += round.keycloakCalls[kind];
  return calls;
}

/** Keycloak calls per request sent, over all rounds of a scenario. */
export function callsPerRequest(result: ScenarioResult): number | undefined {
  return perRequest(totalCalls(keycloakCalls(result)), sum(roundsOf(result, (r) => r.sent)));
}

/** CPU milliseconds per request sent, over all rounds, of one part; undefined when a round lacks it. */
export function cpuPerRequest(result: ScenarioResult, part: keyof CpuUse): number | undefined {
  const used = roundsOf(result, (r) => r.cpuMs[part]);
  if (used.some((ms) => ms === undefined)) return undefined;
  return perRequest(sum(used as number[]), sum(roundsOf(result, (r) => r.sent)));
}

/** CPU milliseconds per request sent in the fixed-rate windows, over all rounds; undefined unless every round had one. */
export function rateCpuPerRequest(result: ScenarioResult, part: keyof CpuUse): number | undefined {
  const windows = roundsOf(result, (r) => r.atRate);
  if (windows.length === 0 || windows.some((w) => w === undefined)) return undefined;
  const used = (windows as RateWindow[]).map((w) => w.cpuMs[part]);
  if (used.some((ms) => ms === undefined)) return undefined;
  return perRequest(sum(used as number[]), sum((windows as RateWindow[]).map((w) => w.sent)));
}

/** Requests per second the fixed-rate windows sent (the median over rounds), to show whether the rate held. */
export function rateSent(result: ScenarioResult): number | undefined {
  return median(
    result.rounds.flatMap((r) =>
      r.atRate && r.atRate.durationSec > 0 ? [r.atRate.sent / r.atRate.durationSec] : [],
    ),
  );
}

/** Failed requests (non-2xx and connection errors) over all rounds. */
export function failures(result: ScenarioResult): number {
  return sum(roundsOf(result, (r) => r.non2xx + r.errors));
}

function byId(report: ChainReport, id: ScenarioId): ScenarioResult | undefined {
  return report.scenarios.find((s) => s.id === id);
}

/**
 * `result`'s req/s as a multiple of `base`'s: the median over rounds of the ratio within each round, so that a
 * machine getting busier or quieter between rounds moves both sides of a ratio alike.
 */
export function ratioBetween(result: ScenarioResult, base: ScenarioResult | undefined): number | undefined {
  if (!base) return undefined;
  const ratios = result.rounds
    .map((round, i) => ratio(round.reqPerSec, base.rounds[i]?.reqPerSec))
    .filter((r): r is number => r !== undefined);
  return median(ratios);
}

/** A scenario's req/s as a multiple of scenario 1's (no auth). */
export function ratioToNoAuth(report: ChainReport, result: ScenarioResult): number | undefined {
  return ratioBetween(result, byId(report, 'no-auth'));
}

/** Per scenario, the numbers of the main table (for readers of the JSON). */
export function chainSummary(report: ChainReport) {
  return report.scenarios.map((s) => ({
    id: s.id,
    reqPerSec: reqPerSec(s),
    ratioToNoAuth: ratioToNoAuth(report, s),
    p50Ms: latency(s, 'p50'),
    p99Ms: latency(s, 'p99'),
    keycloakCallsPerRequest: callsPerRequest(s),
    servicesCpuMsPerRequest: cpuPerRequest(s, 'services'),
    keycloakCpuMsPerRequest: cpuPerRequest(s, 'keycloak'),
    chainCpuMsPerRequest: chainCpuPerRequest(s),
    cpuOverheadVsNoAuth: cpuOverhead(report, s),
    atRate: {
      reqPerSec: rateSent(s),
      servicesCpuMsPerRequest: rateCpuPerRequest(s, 'services'),
      keycloakCpuMsPerRequest: rateCpuPerRequest(s, 'keycloak'),
      chainCpuMsPerRequest: rateChainCpuPerRequest(s),
    },
    dpopAlg: dpopAlgOf(s),
    overheadSplit: overheadSplit(report, s),
    failures: failures(s),
  }));
}

/** `+4.2 %`; `–` when unknown. */
function signedPercent(fraction: number | undefined): string {
  if (fraction === undefined) return '–';
  return `${fraction >= 0 ? '+' : ''}${(fraction * 100).toFixed(1)} %`;
}

/** CPU ms per request of the whole chain: the three services and Keycloak. */
export function chainCpuPerRequest(result: ScenarioResult): number | undefined {
  const services = cpuPerRequest(result, 'services');
  const keycloak = cpuPerRequest(result, 'keycloak');
  return services === undefined || keycloak === undefined ? undefined : services + keycloak;
}

/** CPU ms per request of the whole chain (services and Keycloak) in the fixed-rate windows. */
export function rateChainCpuPerRequest(result: ScenarioResult): number | undefined {
  const services = rateCpuPerRequest(result, 'services');
  const keycloak = rateCpuPerRequest(result, 'keycloak');
  return services === undefined || keycloak === undefined ? undefined : services + keycloak;
}

/**
 * The chain CPU per request of a scenario and of the no-auth chain, compared at one load: from the fixed-rate
 * windows when both have them (at full speed a chain answering more requests a second shares each wake-up among
 * more of them, which would charge the security for the no-auth chain's higher rate), else at full speed.
 */
export function comparedChainCpu(
  report: ChainReport,
  result: ScenarioResult,
): { mine: number; noAuth: number; atRate: boolean } | undefined {
  const bare = byId(report, 'no-auth');
  if (!bare) return undefined;
  const [mineAtRate, bareAtRate] = [rateChainCpuPerRequest(result), rateChainCpuPerRequest(bare)];
  if (mineAtRate !== undefined && bareAtRate) return { mine: mineAtRate, noAuth: bareAtRate, atRate: true };
  const [mine, noAuth] = [chainCpuPerRequest(result), chainCpuPerRequest(bare)];
  return mine === undefined || !noAuth ? undefined : { mine, noAuth, atRate: false };
}

/** A scenario's chain CPU per request above the no-auth chain's ({@link comparedChainCpu}), as a fraction of the latter. */
export function cpuOverhead(report: ChainReport, result: ScenarioResult): number | undefined {
  const compared = comparedChainCpu(report, result);
  return compared && compared.mine / compared.noAuth - 1;
}

/**
 * The proof algorithm of a scenario's b → c call: the one it recorded; ES256 for an authenticated scenario of a run
 * from before scenarios recorded theirs (ES256 was the default then).
 */
export function dpopAlgOf(result: ScenarioResult): string | undefined {
  if (result.id === 'no-auth') return undefined;
  return result.dpopAlg ?? 'ES256';
}

/** The floor measured for `alg`, if it was. */
export function floorOf(report: ChainReport, alg: string | undefined): DpopFloor | undefined {
  return alg === undefined ? undefined : report.dpopFloor?.find((f) => f.alg === alg);
}

/** CPU ms per request of the whole chain in each round's fixed-rate window; undefined unless every round had one. */
function roundRateChainCpu(result: ScenarioResult): number[] | undefined {
  const perRound = result.rounds.map((r) => {
    const w = r.atRate;
    if (!w || w.sent === 0 || w.cpuMs.services === undefined || w.cpuMs.keycloak === undefined)
      return undefined;
    return (w.cpuMs.services + w.cpuMs.keycloak) / w.sent;
  });
  return perRound.length > 0 && perRound.every((ms) => ms !== undefined) ? (perRound as number[]) : undefined;
}

/**
 * The chain's CPU per request above no auth, split: the DPoP floor (one proof signed at service-b and its
 * signature verified at service-c, per chain request, in ms) and everything else, in ms and as a fraction of the
 * no-auth chain's CPU per request. With fixed-rate windows in every round, each round is compared with the no-auth
 * chain's window of the same round and the medians over rounds are given (a round disturbed by other work on the
 * machine moves the median less than the sum); else the CPU of all rounds is compared ({@link comparedChainCpu}).
 */
export function overheadSplit(
  report: ChainReport,
  result: ScenarioResult,
): { aboveMs: number; floorMs: number; restMs: number; restFraction: number; atRate: boolean } | undefined {
  const compared = comparedChainCpu(report, result);
  const floor = floorOf(report, dpopAlgOf(result));
  if (!compared || !floor) return undefined;
  const floorMs = (floor.signUs + floor.verifyUs) / 1000;
  const bare = byId(report, 'no-auth');
  const [mine, noAuth] = [roundRateChainCpu(result), bare && roundRateChainCpu(bare)];
  if (compared.atRate && mine && noAuth && mine.length === noAuth.length) {
    const aboveMs = median(mine.map((ms, i) => ms - noAuth[i])) as number;
    const restFraction = median(mine.map((ms, i) => (ms - noAuth[i] - floorMs) / noAuth[i])) as number;
    return { aboveMs, floorMs, restMs: aboveMs - floorMs, restFraction, atRate: true };
  }
  const aboveMs = compared.mine - compared.noAuth;
  const restMs = aboveMs - floorMs;
  return { aboveMs, floorMs, restMs, restFraction: restMs / compared.noAuth, atRate: compared.atRate };
}

/** How many times its verification floor service-c's whole DPoP check costs. */
export function checkToFloor(floor: DpopFloor): number | undefined {
  return floor.verifyUs > 0 ? floor.checkUs / floor.verifyUs : undefined;
}

/** The library's default JWKS cooldown: an unknown kid refetches the realm's keys at most once per this. */
export const JWKS_COOLDOWN_SEC = 10;

/** The flood of one kind at a scenario, if it ran. */
function floodOf(report: ChainReport, id: ScenarioId, kind: FloodRun['kind']): FloodRun | undefined {
  return (report.floods ?? []).find((f) => f.scenario === id && f.kind === kind);
}

/** Keycloak calls a flood caused, leaving out JWKS fetches when `besidesJwks`. */
export function floodCalls(flood: FloodRun | undefined, besidesJwks = false): number | undefined {
  if (!flood) return undefined;
  return totalCalls(flood.keycloakCalls) - (besidesJwks ? flood.keycloakCalls.jwks : 0);
}

/** The most service-c's DPoP check may cost, as a multiple of its bare signature verification. */
export const CHECK_TO_FLOOR_LIMIT = 1.3;

/**
 * The benchmark's targets, per validation mode: the chain's CPU per request (services and Keycloak) above the
 * no-auth chain's, once the DPoP crypto floor of its proof algorithm is taken out, at most 5 % of the no-auth
 * chain's (compared at the fixed rate when measured there); no Keycloak call per request in steady state (at most one per 1 000: a token
 * renewal in a window); no Keycloak call for a flood of forged tokens under the realm's kid, and under unknown kids
 * none but the JWKS refetches its cooldown allows.
 */
export function checkTargets(report: ChainReport): TargetCheck[] {
  const atMost = (target: string, value: number | undefined, limit: number): TargetCheck => ({
    target,
    value,
    limit,
    met: value === undefined ? undefined : value <= limit,
  });
  const modes = (['jwt', 'introspection'] as const).flatMap((id) => {
    const result = byId(report, id);
    return [
      atMost(
        `${id}: chain CPU / request above no auth, besides the DPoP floor, ≤ 0.05 × no auth`,
        result && overheadSplit(report, result)?.restFraction,
        0.05,
      ),
      atMost(
        `${id}: Keycloak calls / request in steady state ≤ 0.001`,
        result && callsPerRequest(result),
        0.001,
      ),
      atMost(
        `${id}: Keycloak calls for forged tokens, realm's kid = 0`,
        floodCalls(floodOf(report, id, 'realm-kid')),
        0,
      ),
      atMost(
        `${id}: Keycloak calls for forged tokens, unknown kids, besides JWKS = 0`,
        floodCalls(floodOf(report, id, 'unknown-kid'), true),
        0,
      ),
      atMost(
        `${id}: JWKS fetches for forged tokens, unknown kids ≤ 1 per ${JWKS_COOLDOWN_SEC} s`,
        floodOf(report, id, 'unknown-kid')?.keycloakCalls.jwks,
        Math.ceil((floodOf(report, id, 'unknown-kid')?.durationSec ?? 0) / JWKS_COOLDOWN_SEC),
      ),
    ];
  });
  const checks = (report.dpopFloor ?? []).map((floor) =>
    atMost(
      `${floor.alg}: service-c's DPoP check ≤ ${CHECK_TO_FLOOR_LIMIT} × its signature verification`,
      checkToFloor(floor),
      CHECK_TO_FLOOR_LIMIT,
    ),
  );
  return [...modes, ...checks];
}

/** Scenarios whose numbers cannot be trusted: some answers were not 2xx, or connections failed. */
export function invalidScenarios(report: ChainReport): ScenarioResult[] {
  return report.scenarios.filter(
    (s) =>
      failures(s) > 0 ||
      s.rounds.some(
        (r) => r.requests === 0 || (r.atRate !== undefined && r.atRate.non2xx + r.atRate.errors > 0),
      ),
  );
}

const KIND_TITLES: Record<(typeof KEYCLOAK_CALL_KINDS)[number], string> = {
  client_credentials: 'client credentials',
  token_exchange: 'exchange',
  token_other: 'other grants',
  introspection: 'introspection',
  jwks: 'JWKS',
  other: 'other',
};

function verdict(met: boolean | undefined): string {
  if (met === undefined) return 'not run';
  return met ? 'met' : '**missed**';
}

/** The report as markdown: the main table, the Keycloak calls by kind, the targets. */
export function chainMarkdown(report: ChainReport): string {
  const { settings } = report;
  const main = table(
    [
      '#',
      'scenario',
      'req/s',
      'vs no auth',
      'p50 ms',
      'p99 ms',
      'Keycloak calls / request',
      'CPU ms / request: services',
      'Keycloak',
      (settings.cpuRatePerSec ?? 0) > 0 ? 'chain CPU vs no auth (at the fixed rate)' : 'chain CPU vs no auth',
      'failed',
    ],
    report.scenarios.map((s) => [
      String(SCENARIO_IDS.indexOf(s.id) + 1),
      s.title,
      count(reqPerSec(s)),
      times(ratioToNoAuth(report, s)),
      fixed(latency(s, 'p50'), 1),
      fixed(latency(s, 'p99'), 1),
      fixed(callsPerRequest(s), 4),
      fixed(cpuPerRequest(s, 'services'), 2),
      fixed(cpuPerRequest(s, 'keycloak'), 2),
      s.id === 'no-auth' ? '–' : signedPercent(cpuOverhead(report, s)),
      String(failures(s)),
    ]),
  );
  const calls = table(
    [
      'scenario',
      'requests sent',
      ...KEYCLOAK_CALL_KINDS.map((k) => KIND_TITLES[k]),
      'first request (cold)',
      'load avg',
    ],
    report.scenarios.map((s) => [
      s.title,
      count(sum(roundsOf(s, (r) => r.sent))),
      ...KEYCLOAK_CALL_KINDS.map((k) => count(keycloakCalls(s)[k])),
      count(s.firstRequestCalls),
      roundsOf(s, (r) => fixed(r.loadAverage, 1)).join(' / '),
    ]),
  );
  const cpu = table(
    ['scenario', 'service-a', 'service-b', 'service-c', 'Keycloak', 'load generator', 'proxy'],
    report.scenarios.map((s) => [
      s.title,
      ...(['service-a', 'service-b', 'service-c', 'keycloak', 'loadGenerator', 'proxy'] as const).map(
        (part) => fixed(cpuPerRequest(s, part), 3),
      ),
    ]),
  );
  const targets = table(
    ['target', 'this run', 'verdict'],
    checkTargets(report).map((t) => [t.target, fixed(t.value, 4), verdict(t.met)]),
  );
  const floods = table(
    [
      'scenario',
      'forged tokens',
      'distinct',
      'requests sent',
      'refused 401',
      'other answers',
      'Keycloak calls',
    ],
    (report.floods ?? []).map((f) => [
      f.scenario,
      f.kind === 'realm-kid' ? "the realm's kid" : 'unknown kids',
      count(f.tokens),
      count(f.sent),
      count(f.refused),
      count(f.other),
      count(totalCalls(f.keycloakCalls)),
    ]),
  );
  const split = table(
    [
      'scenario',
      'req/s sent',
      'chain CPU ms / request',
      'above no auth',
      'proof alg',
      'DPoP floor ms',
      'everything else ms',
      'everything else vs no auth',
    ],
    report.scenarios
      .filter((s) => s.id !== 'uncached')
      .map((s) => {
        const parts = overheadSplit(report, s);
        const compared = comparedChainCpu(report, s);
        return [
          s.title,
          count(rateSent(s)),
          fixed(rateChainCpuPerRequest(s), 3),
          s.id === 'no-auth' || !compared ? '–' : fixed(compared.mine - compared.noAuth, 3),
          dpopAlgOf(s) ?? '–',
          fixed(parts?.floorMs, 3),
          fixed(parts?.restMs, 3),
          signedPercent(parts?.restFraction),
        ];
      }),
  );
  const floors = table(
    [
      'proof alg',
      'proofs',
      'sign µs',
      'verify µs',
      'floor (sign + verify) µs',
      "service-c's check µs",
      'check ÷ verify',
    ],
    (report.dpopFloor ?? []).map((f) => [
      f.alg,
      count(f.proofs),
      fixed(f.signUs, 1),
      fixed(f.verifyUs, 1),
      fixed(f.signUs + f.verifyUs, 1),
      fixed(f.checkUs, 1),
      times(checkToFloor(f)),
    ]),
  );
  const rate = settings.cpuRatePerSec ?? 0;
  const invalid = invalidScenarios(report);
  return [
    runLine(report),
    '',
    `Each scenario: ${settings.warmupSec} s warm-up (longer ` +
      `until ${settings.warmupRequests} requests were answered, at most ${warmUpCapSec(settings.warmupSec)} s), then ` +
      `${settings.durationSec} s measured at ${settings.connections} connections (autocannon, loopback), ` +
      `${settings.rounds} round(s) with the scenarios taking turns (medians over rounds); services at ` +
      `LOG_LEVEL=${settings.logLevel}.`,
    '',
    main,
    '',
    ...(rate > 0
      ? [
          `CPU per request at one load: each round, after its window at full speed, every scenario but the ` +
            `uncached one gets a window of ${settings.durationSec} s at a fixed ${rate} req/s (a process ` +
            `answering fewer requests a second spends more CPU on each). Above no auth, split into the DPoP floor ` +
            `of the scenario's proof algorithm (one proof signed at service-b, its signature verified at service-c, ` +
            `per chain request; the table below) and everything else:`,
          '',
          split,
          '',
        ]
      : []),
    ...((report.dpopFloor ?? []).length > 0
      ? [
          "The DPoP crypto floor per proof algorithm, CPU µs per operation in the benchmark's process: service-b's " +
            "proof (DpopProofMaker, WebCrypto), the bare check of its signature (jose compactVerify), and service-c's " +
            'whole DPoP check (KeycloakAuthGuard with a DPoP-bound token and a fresh proof, minus the same guard ' +
            'with a cached bearer token):',
          '',
          floors,
          '',
        ]
      : []),
    ...((report.replayStores ?? []).length > 0
      ? [
          "Service-c's DPoP check with each replay store (the same check as in the floor, the two stores' " +
            'guards taking turns, 100 proofs at a time): the `jti`s in the process (the default) or in Redis ' +
            "(`RedisReplayStore` through the services' own client, a redis-server on loopback). CPU of the " +
            "benchmark's process (means) and of redis-server (/proc, over all checks); wall time, medians:",
          '',
          replayStoreTable(report.replayStores ?? []),
          '',
        ]
      : []),
    'Keycloak calls caused by the measured requests, by kind (counted by the proxy in front of Keycloak); load average at the start of each round:',
    '',
    calls,
    '',
    'CPU milliseconds per request sent, by process (Linux /proc; the load generator is this process):',
    '',
    cpu,
    '',
    ...(report.floods && report.floods.length > 0
      ? [
          `Forged tokens at service-b (a key of our own, plausible claims), ${report.floods[0].durationSec} s each:`,
          '',
          floods,
          '',
        ]
      : []),
    targets,
    ...(invalid.length > 0
      ? ['', `**Invalid run**: ${invalid.map((s) => s.title).join(', ')} answered non-2xx or failed.`]
      : []),
  ].join('\n');
}

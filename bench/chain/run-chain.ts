import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { callsBetween, KeycloakCallCounts, totalCalls } from '../keycloak-proxy/counting-proxy';
import { KeycloakProxyProcess } from '../keycloak-proxy/proxy-process';
import {
  ChainReport,
  FloodRun,
  ChainSettings,
  CPU_PARTS,
  CpuUse,
  RateWindow,
  RoundResult,
  ScenarioId,
  ScenarioResult,
} from '../report/chain-report';
import { thisMachine } from '../report/machine';
import { cpuMs, keycloakPids, totalCpuMs } from './cpu-time';
import { runLoad, warmUp } from './load';
import { flood, FORGERY_KINDS, forgedTokens } from './forged-flood';
import { CHAIN_ORDER, chainAnswerProblems, ChainScenario, SCENARIOS } from './scenarios';
import { ensureKeycloak, pointJwksUrls, RunningServices, startServices } from './scripts';
import { windowOf } from '../report/load-window';
import { DPOP_FLOOR_ALGORITHMS, measureDpopFloor } from './dpop-floor';
import { measureReplayStores } from './replay-store-cost';

/** What `--only chain` runs. */
export interface ChainOptions extends ChainSettings {
  scenarios: readonly ScenarioId[];
  /** When set, every service runs with `--cpu-prof` and writes its profile under `<profileDir>/<scenario>/`. */
  profileDir?: string;
  /** Seconds of proof signing per algorithm for the DPoP floor (0: not measured). */
  dpopSec: number;
  note?: string;
}

type Log = (line: string) => void;

/** The Keycloak calls seen by the proxy are quiet when they have not moved for this long. */
const QUIET_MS = 1000;
/** Longest wait for quiet: requests aborted by the load generator may still be working through Keycloak. */
const QUIET_TIMEOUT_MS = 30_000;

const BODY = JSON.stringify(CHAIN_ORDER);
const SERVICE_NAMES = ['service-a', 'service-b', 'service-c'] as const;

/** The last lines a set of services printed, for the error message when they misbehave. */
class OutputTail {
  private readonly lines: string[] = [];

  add(name: string, chunk: string): void {
    for (const line of chunk.split('\n').filter(Boolean)) this.lines.push(`[${name}] ${line}`);
    this.lines.splice(0, Math.max(0, this.lines.length - 40));
  }

  toString(): string {
    return this.lines.join('\n') || '(no output)';
  }
}

/** Whose CPU time a round reads: the scenario's services, Keycloak's JVM, the proxy (and this process). */
interface CpuSources {
  services: RunningServices['pids'];
  keycloak: number[];
  proxy?: number;
}

function cpuNow(sources: CpuSources): CpuUse {
  const [a, b, c] = SERVICE_NAMES.map((name) => cpuMs(sources.services[name]));
  const { user, system } = process.cpuUsage();
  return {
    services: a === undefined || b === undefined || c === undefined ? undefined : a + b + c,
    'service-a': a,
    'service-b': b,
    'service-c': c,
    keycloak: totalCpuMs(sources.keycloak),
    loadGenerator: (user + system) / 1000,
    proxy: sources.proxy === undefined ? undefined : cpuMs(sources.proxy),
  };
}

function cpuBetween(before: CpuUse, after: CpuUse): CpuUse {
  const delta: CpuUse = {};
  for (const part of CPU_PARTS) {
    const [was, is] = [before[part], after[part]];
    if (was !== undefined && is !== undefined) delta[part] = Number((is - was).toFixed(1));
  }
  return delta;
}

/** One scenario's three services, running for the whole benchmark. */
interface Stack {
  scenario: ChainScenario;
  services: RunningServices;
  output: OutputTail;
  chainUrl: string;
  firstRequestCalls: number;
  /** Requests the services have answered so far (warm-ups and measurements). */
  answered: number;
}

async function post(url: string, body: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

/** The proxy's counts once they have stopped moving: every chain request sent so far has done its Keycloak calls. */
export async function quietCounts(proxy: KeycloakProxyProcess): Promise<KeycloakCallCounts> {
  const deadline = Date.now() + QUIET_TIMEOUT_MS;
  let counts = await proxy.counts();
  for (;;) {
    await sleep(QUIET_MS);
    const next = await proxy.counts();
    if (totalCalls(callsBetween(counts, next)) === 0 || Date.now() > deadline) return next;
    counts = next;
  }
}

/** Starts a scenario's services and checks its first answer; a wrong answer stops the benchmark. */
async function startStack(
  scenario: ChainScenario,
  options: ChainOptions,
  keycloakIssuer: string,
  proxy: KeycloakProxyProcess,
  log: Log,
): Promise<Stack> {
  const output = new OutputTail();
  const nodeArgs: string[] = [];
  if (options.profileDir) {
    const dir = join(options.profileDir, scenario.id);
    mkdirSync(dir, { recursive: true });
    // Written when a service exits; exit-after-shutdown.cjs makes Nest's SIGTERM end in a normal exit.
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${dir}`, '-r', join(__dirname, 'exit-after-shutdown.cjs'));
  }
  log(`${scenario.title}: starting the services`);
  const services = await startServices({
    keycloakUrl: proxy.url,
    ports: { 'service-a': 'free', 'service-b': 'free', 'service-c': 'free' },
    authModes: {
      'service-a': scenario.authMode,
      'service-b': scenario.authMode,
      'service-c': scenario.authMode,
    },
    env: {
      KEYCLOAK_ISSUER: keycloakIssuer,
      // The services reach Keycloak through the counting proxy, which presents it the issuer's host: their DPoP
      // proofs to the token endpoint must name the issuer's URL.
      KEYCLOAK_DPOP_HTU: 'issuer',
      LOG_LEVEL: options.logLevel,
      ...scenario.env,
    },
    entry: scenario.entry,
    nodeArgs,
    onOutput: (name, chunk) => output.add(name, chunk),
    timeoutMs: 120_000,
  });
  try {
    // Free ports, not the dev stack's: the realm's clients must read the services' keys where they are served.
    await pointJwksUrls(proxy.url, services.urls);
    const chainUrl = `${services.urls['service-a']}/api/chain`;
    const cold = await quietCounts(proxy);
    const first = await post(chainUrl, BODY);
    const problems = chainAnswerProblems(first.status, first.body, scenario.authenticated);
    if (problems.length > 0)
      throw new Error(`${scenario.title}: wrong chain answer: ${problems.join('; ')}\n${output}`);
    const firstRequestCalls = totalCalls(callsBetween(cold, await proxy.counts()));
    return { scenario, services, output, chainUrl, firstRequestCalls, answered: 1 };
  } catch (error) {
    await services.stop();
    throw error;
  }
}

/** Warms a scenario's services up ({@link warmUp}) and says how it went. */
async function warmUpScenario(stack: Stack, options: ChainOptions, log: Log): Promise<void> {
  const load = { url: stack.chainUrl, body: BODY, connections: options.connections };
  const done = await warmUp(load, options, stack.answered);
  stack.answered += done.requests;
  const failed = done.failed ? `, ${done.failed} failed` : '';
  log(`${stack.scenario.title}: warm-up ${done.ok} requests in ${done.seconds.toFixed(1)} s${failed}`);
}

/** Warm-up, then one measured window of one scenario. */
async function measureRound(
  stack: Stack,
  options: ChainOptions,
  proxy: KeycloakProxyProcess,
  keycloakJvm: number[],
  log: Log,
) {
  const { scenario, chainUrl } = stack;
  const load = { url: chainUrl, body: BODY, connections: options.connections };
  if (options.warmupSec > 0) await warmUpScenario(stack, options, log);
  const sources: CpuSources = {
    services: stack.services.pids,
    keycloak: keycloakJvm,
    proxy: proxy.pid,
  };
  const before = await quietCounts(proxy);
  const cpuBefore = cpuNow(sources);
  const loadAverage = Number(loadavg()[0].toFixed(2));
  const run = await runLoad({ ...load, durationSec: options.durationSec });
  stack.answered += run.requests;
  const keycloakCalls = callsBetween(before, await quietCounts(proxy));
  const cpu = cpuBetween(cpuBefore, cpuNow(sources));
  const round: RoundResult = {
    ...windowOf(run),
    keycloakCalls,
    loadAverage,
    cpuMs: cpu,
  };
  const perRequest = (ms?: number) => (ms === undefined ? '?' : (ms / run.sent).toFixed(2));
  log(
    `${scenario.title}: ${round.reqPerSec.toFixed(0)} req/s, p50 ${run.latencyMs.p50} ms, p99 ` +
      `${run.latencyMs.p99} ms, ${totalCalls(keycloakCalls)} Keycloak calls for ${run.sent} requests, ` +
      `${run.non2xx} non-2xx, ${run.errors} errors; CPU ms/request: services ${perRequest(cpu.services)}, ` +
      `Keycloak ${perRequest(cpu.keycloak)} (load ${loadAverage})`,
  );
  if (run.non2xx + run.errors > 0) log(`${scenario.title}: the services' last lines:\n${stack.output}`);
  const rate = options.cpuRatePerSec ?? 0;
  if (rate > 0 && scenario.id !== 'uncached') {
    round.atRate = await fixedRateWindow(stack, load, rate, options, proxy, sources);
    const perRequestAtRate = (ms?: number) =>
      ms === undefined ? '?' : (ms / (round.atRate as RateWindow).sent).toFixed(3);
    log(
      `${scenario.title}: at ${rate} req/s: ${round.atRate.sent} sent, ${round.atRate.non2xx} non-2xx, ` +
        `${round.atRate.errors} errors; CPU ms/request: services ${perRequestAtRate(round.atRate.cpuMs.services)}, ` +
        `Keycloak ${perRequestAtRate(round.atRate.cpuMs.keycloak)}`,
    );
    if (round.atRate.non2xx + round.atRate.errors > 0)
      log(`${scenario.title}: the services' last lines:\n${stack.output}`);
  }
  return round;
}

/**
 * A window at a fixed rate right after the one at full speed: the same CPU readings over the requests sent, for
 * comparing CPU per request at one load.
 */
async function fixedRateWindow(
  stack: Stack,
  load: { url: string; body: string; connections: number },
  ratePerSec: number,
  options: ChainOptions,
  proxy: KeycloakProxyProcess,
  sources: CpuSources,
): Promise<RateWindow> {
  await quietCounts(proxy);
  const before = cpuNow(sources);
  const run = await runLoad({ ...load, durationSec: options.durationSec, ratePerSec });
  stack.answered += run.requests;
  await quietCounts(proxy);
  return {
    ratePerSec,
    durationSec: run.durationSec,
    sent: run.sent,
    non2xx: run.non2xx,
    errors: run.errors,
    cpuMs: cpuBetween(before, cpuNow(sources)),
  };
}

/** Seconds of each flood of forged tokens, and how many distinct ones it sends. */
const FLOOD_SEC = 3;
const FORGED_TOKENS = 200;

/** The realm's RS256 signing kid, read from Keycloak directly (not through the proxy, which counts calls). */
async function realmKid(keycloakUrl: string): Promise<string> {
  const res = await fetch(`${keycloakUrl}/realms/s2s/protocol/openid-connect/certs`);
  const { keys } = (await res.json()) as { keys: { kid: string; alg?: string; use?: string }[] };
  const key = keys.find((k) => k.alg === 'RS256' && k.use !== 'enc');
  if (!key) throw new Error('the realm publishes no RS256 signing key');
  return key.kid;
}

/**
 * Floods each authenticated scenario's service-b with forged tokens (a key of our own, plausible claims), under
 * the realm's kid and under unknown kids, counting what reaches Keycloak: a forgery must cost it nothing.
 */
async function floodForged(
  stacks: readonly Stack[],
  issuer: string,
  kid: string,
  options: ChainOptions,
  proxy: KeycloakProxyProcess,
  log: Log,
): Promise<FloodRun[]> {
  const runs: FloodRun[] = [];
  const claims = { issuer, audience: 'service-b', azp: 'service-a', scope: 'orders.read profile email' };
  const body = JSON.stringify({ order_id: CHAIN_ORDER.order_id, amount: CHAIN_ORDER.amount });
  for (const stack of stacks.filter((s) => s.scenario.id === 'jwt' || s.scenario.id === 'introspection')) {
    for (const kind of FORGERY_KINDS) {
      const tokens = await forgedTokens(claims, kind, kid, FORGED_TOKENS);
      const before = await quietCounts(proxy);
      const result = await flood(`${stack.services.urls['service-b']}/api/process`, body, tokens, kind, {
        connections: options.connections,
        durationSec: FLOOD_SEC,
      });
      const keycloakCalls = callsBetween(before, await quietCounts(proxy));
      log(
        `${stack.scenario.title}: ${result.sent} forged tokens (${kind}): ${result.refused} refused 401, ` +
          `${result.other} other answers, ${totalCalls(keycloakCalls)} Keycloak calls`,
      );
      runs.push({ scenario: stack.scenario.id, ...result, keycloakCalls });
    }
  }
  return runs;
}

/**
 * The chain benchmark: Keycloak (reused or started), the counting proxy in front of it, every scenario's services
 * started and checked, then `rounds` rounds in which each scenario in turn gets the same warm-up, duration and
 * connections (the starting scenario rotates, so none is always measured first).
 */
export async function runChain(options: ChainOptions, log: Log): Promise<ChainReport> {
  const machine = thisMachine();
  const startedAt = new Date().toISOString();
  const keycloak = await ensureKeycloak((line) => log(`[keycloak] ${line}`));
  const stacks: Stack[] = [];
  let floods: FloodRun[] = [];
  const results = new Map<ScenarioId, RoundResult[]>(options.scenarios.map((id) => [id, []]));
  let proxy: KeycloakProxyProcess | undefined;
  try {
    proxy = await KeycloakProxyProcess.start(keycloak.url);
    const issuer = `${keycloak.url}/realms/s2s`;
    const keycloakJvm = keycloakPids(Number(new URL(keycloak.url).port));
    if (keycloakJvm.length === 0) log("Keycloak's process not found: its CPU time is not reported");
    for (const id of options.scenarios)
      stacks.push(await startStack(SCENARIOS[id], options, issuer, proxy, log));
    for (let round = 0; round < options.rounds; round++) {
      log(`round ${round + 1} of ${options.rounds}`);
      for (let i = 0; i < stacks.length; i++) {
        const stack = stacks[(round + i) % stacks.length];
        results.get(stack.scenario.id)?.push(await measureRound(stack, options, proxy, keycloakJvm, log));
      }
    }
    floods = await floodForged(stacks, issuer, await realmKid(keycloak.url), options, proxy, log);
  } finally {
    await Promise.all(stacks.map((stack) => stack.services.stop()));
    await proxy?.stop();
    await keycloak.stop();
  }
  // With the services stopped: the floor is measured in this process, one operation at a time.
  const dpopFloor =
    options.dpopSec > 0 ? await measureDpopFloor(options.dpopSec, DPOP_FLOOR_ALGORITHMS, log) : undefined;
  const replayStores = options.dpopSec > 0 ? await measureReplayStores(options.dpopSec, log) : undefined;
  const { durationSec, warmupSec, warmupRequests, connections, logLevel, rounds, cpuRatePerSec } = options;
  const scenarios: ScenarioResult[] = stacks.map(({ scenario, firstRequestCalls }) => ({
    id: scenario.id,
    title: scenario.title,
    firstRequestCalls,
    ...(scenario.dpopAlg === undefined ? {} : { dpopAlg: scenario.dpopAlg }),
    rounds: results.get(scenario.id) ?? [],
  }));
  return {
    startedAt,
    note: options.note,
    machine,
    settings: { durationSec, warmupSec, warmupRequests, connections, logLevel, rounds, cpuRatePerSec },
    scenarios,
    floods,
    ...(dpopFloor === undefined ? {} : { dpopFloor }),
    ...(replayStores === undefined ? {} : { replayStores }),
  };
}

import { callsBetween, totalCalls } from '../keycloak-proxy/counting-proxy';
import { KeycloakProxyProcess } from '../keycloak-proxy/proxy-process';
import { thisMachine } from '../report/machine';
import { UsersMode, UsersReport, UsersRun } from '../report/users-report';
import { cpuMs, keycloakPids, totalCpuMs } from '../chain/cpu-time';
import { runLoad } from '../chain/load';
import { quietCounts } from '../chain/run-chain';
import { ensureKeycloak, freePort, pointJwksUrls, RunningServices, startServices } from '../chain/scripts';
import { readHeap } from './heap-probe';
import { roundRobin } from './round-robin';
import { ORDER, userAnswerProblems } from './user-answer';
import { userTokens } from './user-tokens';
import { createUsersRealm } from './users-realm';
import { PlannedRun, usersPlan, warmupPass } from './users-plan';
import { windowOf } from '../report/load-window';

/** What `--only users` runs. */
export interface UsersOptions {
  users: readonly number[];
  thrashBound: number;
  modes: readonly UsersMode[];
  durationSec: number;
  warmupSec: number;
  connections: number;
  logLevel: string;
  note?: string;
}

type Log = (line: string) => void;

const BODY = JSON.stringify(ORDER);
const MiB = 2 ** 20;
/** Seconds an introspection answer may be reused in introspection mode: longer than the part, as the tokens are. */
const INTROSPECTION_TTL_SEC = 4 * 3600;
/** Longest warm-up pass: 10 000 first exchanges at a few hundred per second on a busy machine. */
const PASS_TIMEOUT_SEC = 600;

/** The last lines the services printed, for the error message when they misbehave. */
function outputTail() {
  const lines: string[] = [];
  return {
    add: (name: string, chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) lines.push(`[${name}] ${line}`);
      lines.splice(0, Math.max(0, lines.length - 40));
    },
    toString: () => lines.join('\n') || '(no output)',
  };
}

/** The `sub` of a JWT, read without verification (to check the answer names the token's user). */
function subjectOf(token: string): string {
  return String(
    (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { sub?: unknown }).sub,
  );
}

/** What the run needs of the part's setup. */
interface Rig {
  keycloakUrl: string;
  realm: string;
  proxy: KeycloakProxyProcess;
  keycloakJvm: number[];
  tokens: readonly string[];
  /** The services of the run under way, for an interrupt to stop. */
  running?: RunningServices;
}

async function startChain(run: PlannedRun, rig: Rig, options: UsersOptions, heapPort: number, log: Log) {
  const output = outputTail();
  const variant = (service: string) =>
    service === 'service-a' ? 'apps/service-a/src/main.ts' : `bench/users/variants/users.${service}.ts`;
  const services = await startServices({
    keycloakUrl: rig.proxy.url,
    ports: { 'service-a': 'free', 'service-b': 'free', 'service-c': 'free' },
    authModes: { 'service-a': run.mode, 'service-b': run.mode, 'service-c': run.mode },
    env: {
      KEYCLOAK_REALM: rig.realm,
      KEYCLOAK_ISSUER: `${rig.keycloakUrl}/realms/${rig.realm}`,
      // Through the counting proxy, which presents Keycloak the issuer's host (see the chain part).
      KEYCLOAK_DPOP_HTU: 'issuer',
      LOG_LEVEL: options.logLevel,
      BENCH_CACHE_MAX_ENTRIES: String(run.cacheMaxEntries),
      BENCH_HEAP_PORT: String(heapPort),
      // Only the bound may take an answer out of the cache, and every user's first token is new for the same
      // caller (azp): the per-caller limit of new tokens is not what this part measures.
      ...(run.mode === 'introspection'
        ? { INTROSPECTION_CACHE_TTL: String(INTROSPECTION_TTL_SEC), INTROSPECTION_MISSES_PER_MINUTE: '0' }
        : {}),
    },
    entry: variant,
    nodeArgs: ['--expose-gc'],
    onOutput: (name, chunk) => output.add(name, chunk),
    timeoutMs: 120_000,
  });
  log(`${run.mode}, ${run.title}: services started`);
  return { services, output };
}

function cpuNow(services: RunningServices, keycloakJvm: number[]) {
  return {
    'service-b': cpuMs(services.pids['service-b']),
    'service-c': cpuMs(services.pids['service-c']),
    keycloak: totalCpuMs(keycloakJvm),
  };
}

type Cpu = ReturnType<typeof cpuNow>;

function cpuBetween(before: Cpu, after: Cpu): UsersRun['cpuMs'] {
  const delta: UsersRun['cpuMs'] = {};
  for (const part of ['service-b', 'service-c', 'keycloak'] as const) {
    const [was, is] = [before[part], after[part]];
    if (was !== undefined && is !== undefined) delta[part] = Number((is - was).toFixed(1));
  }
  return delta;
}

/** One run: fresh services, the first answer checked, the warm-up pass, the measured window, the heap around it. */
async function measureRun(run: PlannedRun, rig: Rig, options: UsersOptions, log: Log): Promise<UsersRun> {
  const heapPort = await freePort();
  const heapUrl = `http://127.0.0.1:${heapPort}/`;
  const { services, output } = await startChain(run, rig, options, heapPort, log);
  rig.running = services;
  try {
    await pointJwksUrls(rig.proxy.url, services.urls, rig.realm);
    const url = `${services.urls['service-b']}/api/process`;
    const tokens = rig.tokens.slice(0, run.users);
    const first = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[0]}` },
      body: BODY,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await first.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // left as text for the message
    }
    const problems = userAnswerProblems(first.status, body, subjectOf(tokens[0]));
    if (problems.length > 0)
      throw new Error(`${run.mode}, ${run.title}: wrong answer: ${problems.join('; ')}\n${output}`);
    const heapBefore = await readHeap(heapUrl);

    const next = roundRobin(tokens);
    const load = {
      url,
      body: BODY,
      connections: options.connections,
      headersPerRequest: () => ({ authorization: `Bearer ${next()}` }),
    };
    const started = Date.now();
    const pass = await runLoad({
      ...load,
      durationSec: PASS_TIMEOUT_SEC,
      amount: warmupPass(run, options.connections),
    });
    if (options.warmupSec > 0) await runLoad({ ...load, durationSec: options.warmupSec });
    log(
      `${run.mode}, ${run.title}: warm-up pass of ${pass.sent} requests in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
        `(${pass.non2xx + pass.errors} failed), then ${options.warmupSec} s`,
    );

    const before = await quietCounts(rig.proxy);
    const cpuBefore = cpuNow(services, rig.keycloakJvm);
    const measured = await runLoad({ ...load, durationSec: options.durationSec });
    const keycloakCalls = callsBetween(before, await quietCounts(rig.proxy));
    const cpu = cpuBetween(cpuBefore, cpuNow(services, rig.keycloakJvm));
    const heapAfter = await readHeap(heapUrl);
    const result: UsersRun = {
      ...run,
      warmupRequests: pass.sent,
      ...windowOf(measured),
      keycloakCalls,
      cpuMs: cpu,
      heapUsedMiB: { before: heapBefore.heapUsed / MiB, after: heapAfter.heapUsed / MiB },
    };
    log(
      `${run.mode}, ${run.title}: ${result.reqPerSec.toFixed(0)} req/s, p99 ${measured.latencyMs.p99} ms, ` +
        `${keycloakCalls.token_exchange} exchanges and ${totalCalls(keycloakCalls)} Keycloak calls for ` +
        `${measured.sent} requests, ${measured.non2xx} non-2xx, ${measured.errors} errors; service-b heap ` +
        `${result.heapUsedMiB.before.toFixed(1)} → ${result.heapUsedMiB.after.toFixed(1)} MiB`,
    );
    if (measured.non2xx + measured.errors > 0)
      log(`${run.mode}, ${run.title}: the services' last lines:\n${output}`);
    return result;
  } finally {
    rig.running = undefined;
    await services.stop();
  }
}

/**
 * The many-users part: Keycloak (reused or started), the counting proxy, a throw-away realm with the biggest
 * count of users and their tokens, then each planned run on fresh services. The realm is deleted at the end, also
 * when a run fails or the part is interrupted (SIGINT, SIGTERM).
 */
export async function runUsers(options: UsersOptions, log: Log): Promise<UsersReport> {
  const machine = thisMachine();
  const startedAt = new Date().toISOString();
  const plan = usersPlan(options.users, options.thrashBound, options.modes);
  const biggest = Math.max(...options.users);
  const keycloak = await ensureKeycloak((line) => log(`[keycloak] ${line}`));
  let proxy: KeycloakProxyProcess | undefined;
  let realm: Awaited<ReturnType<typeof createUsersRealm>> | undefined;
  const runs: UsersRun[] = [];
  let setup: UsersReport['setup'];
  let rig: Rig | undefined;
  const removeRealm = () =>
    realm?.remove().catch((error: Error) => log(`removing realm ${realm?.realm} failed: ${error.message}`));
  // Ctrl-C or a SIGTERM mid-run: what the finally below would do, then exit (the throw-away realm must not stay).
  const interrupt = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping the services, removing the realm`);
    void (async () => {
      await rig?.running?.stop();
      await removeRealm();
      await proxy?.stop();
      await keycloak.stop();
      process.exit(130);
    })();
  };
  process.once('SIGINT', interrupt).once('SIGTERM', interrupt);
  try {
    proxy = await KeycloakProxyProcess.start(keycloak.url);
    const keycloakJvm = keycloakPids(Number(new URL(keycloak.url).port));
    if (keycloakJvm.length === 0) log("Keycloak's process not found: its CPU time is not reported");
    realm = await createUsersRealm(keycloak.url);
    log(`realm ${realm.realm} created; creating ${biggest} users…`);
    let t = Date.now();
    await realm.addUsers(biggest, log);
    const createSec = (Date.now() - t) / 1000;
    log(`${biggest} users created in ${createSec.toFixed(1)} s; logging them in…`);
    t = Date.now();
    const tokens = await userTokens(keycloak.url, realm.realm, biggest, log);
    const tokensSec = (Date.now() - t) / 1000;
    log(`${biggest} tokens made in ${tokensSec.toFixed(1)} s`);
    setup = { users: biggest, createSec, tokensSec };
    rig = { keycloakUrl: keycloak.url, realm: realm.realm, proxy, keycloakJvm, tokens };
    for (const run of plan) runs.push(await measureRun(run, rig, options, log));
  } finally {
    process.off('SIGINT', interrupt).off('SIGTERM', interrupt);
    await removeRealm();
    await proxy?.stop();
    await keycloak.stop();
  }
  const { durationSec, warmupSec, connections } = options;
  return {
    startedAt,
    note: options.note,
    machine,
    settings: { modes: [...options.modes], durationSec, warmupSec, connections },
    setup,
    runs,
  };
}

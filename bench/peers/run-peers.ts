import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuMs, keycloakPids, totalCpuMs } from '../chain/cpu-time';
import { runLoad, warmUp } from '../chain/load';
import { ensureKeycloak } from '../chain/scripts';
import { callsBetween, totalCalls } from '../keycloak-proxy/counting-proxy';
import { KeycloakProxyProcess } from '../keycloak-proxy/proxy-process';
import { thisMachine } from '../report/machine';
import { PeerAppResult, PeerCpu, PeerRound, PeersReport, PeersSettings } from '../report/peers-report';
import { AuthzProbes, CorrectnessResult, probe, withAlgNone } from './correctness';
import {
  AUTHZ_RESOURCE,
  AUTHZ_SCOPE,
  bareIdOf,
  PeerApp,
  plainIdOf,
  roundOrder,
  selectApps,
} from './peer-apps';
import { ensureInstalled, PeerProcess } from './peer-process';
import { IssuedToken, PEERS_CLIENT, PeersRealm, preparePeersRealm, REALM } from './peers-realm';
import { forgedTokens, kidOf } from '../chain/forged-flood';
import { quietCounts } from '../chain/run-chain';
import { windowOf } from '../report/load-window';

/** What `--only peers` runs. */
export interface PeersOptions extends PeersSettings {
  /** `--peers`: the apps to run (their bare ceilings are added). */
  apps: readonly string[];
  note?: string;
}

type Log = (line: string) => void;

/** A new service-a token is fetched before a window when the current one has less life left than this. */
const TOKEN_MARGIN_SEC = 30;
const BODY = JSON.stringify({ value: 10 });

const LIBRARY_FOLDER: Record<string, string> = {
  'nest-keycloak-connect': join(__dirname, 'apps', 'nest10', 'node_modules', 'nest-keycloak-connect'),
  'nestjs-keycloak-auth': join(__dirname, 'apps', 'nest11', 'node_modules', 'nestjs-keycloak-auth'),
  'nest-keycloak-s2s': join(__dirname, '..', '..', 'libs', 'keycloak-auth'),
};

function versionOf(library: string): string | undefined {
  const folder = LIBRARY_FOLDER[library];
  if (!folder) return undefined;
  return (JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Keeps one valid service-a token, renewed between windows before it runs out. */
class TokenSource {
  private current?: IssuedToken;

  constructor(private readonly realm: PeersRealm) {}

  async token(neededSec: number): Promise<string> {
    const now = Date.now() / 1000;
    if (!this.current || this.current.expiresAt - now < neededSec + TOKEN_MARGIN_SEC)
      this.current = await this.realm.serviceAToken();
    return this.current.token;
  }
}

interface Running {
  peer: PeerProcess;
  result: PeerAppResult;
  answered: number;
}

async function checkCorrectness(
  running: Running,
  tokens: { valid: string; otherAudience: string; expired: string },
): Promise<CorrectnessResult> {
  const url = running.peer.url;
  return {
    valid: await probe(url, tokens.valid),
    noToken: await probe(url, undefined),
    otherAudience: await probe(url, tokens.otherAudience),
    algNone: await probe(url, withAlgNone(tokens.valid)),
    expired: await probe(url, tokens.expired),
  };
}

/**
 * The authorization probes of an app whose route requires the permission: a caller it does not grant, a forged
 * token (Keycloak calls counted by the proxy), and a token the app never saw while the proxy plays Keycloak down.
 */
async function checkAuthz(
  running: Running,
  tokens: { denied: string; forged: string; undecided: string },
  proxy: KeycloakProxyProcess,
): Promise<AuthzProbes> {
  const url = running.peer.url;
  const counted = async (token: string) => {
    const before = await quietCounts(proxy);
    const answer = await probe(url, token);
    return { ...answer, keycloakCalls: totalCalls(callsBetween(before, await quietCounts(proxy))) };
  };
  const denied = await counted(tokens.denied);
  const forged = await counted(tokens.forged);
  await proxy.setDown(true);
  try {
    return { denied, forged, keycloakDown: await probe(url, tokens.undecided) };
  } finally {
    await proxy.setDown(false);
  }
}

/** Warm-up (continued until the app has answered `warmupRequests` in all, within a cap), then one window. */
async function measure(
  running: Running,
  token: string,
  options: PeersOptions,
  sources: { keycloak: number[]; proxy: KeycloakProxyProcess },
  log: Log,
): Promise<PeerRound> {
  const load = {
    url: running.peer.url,
    body: BODY,
    connections: options.connections,
    headers: { authorization: `Bearer ${token}` },
  };
  const { id } = running.result;
  if (options.warmupSec > 0) running.answered += (await warmUp(load, options, running.answered)).requests;
  const { proxy, keycloak } = sources;
  const cpu = (): PeerCpu => {
    const { user, system } = process.cpuUsage();
    return {
      app: cpuMs(running.peer.pid),
      keycloak: totalCpuMs(keycloak),
      proxy: proxy.pid === undefined ? undefined : cpuMs(proxy.pid),
      loadGenerator: (user + system) / 1000,
    };
  };
  const before = await quietCounts(proxy);
  const cpuBefore = cpu();
  const loadAverage = Number(loadavg()[0].toFixed(2));
  const run = await runLoad({ ...load, durationSec: options.durationSec });
  running.answered += run.requests;
  const keycloakCalls = callsBetween(before, await quietCounts(proxy));
  const cpuAfter = cpu();
  const cpuMsUsed: PeerCpu = {};
  for (const part of ['app', 'keycloak', 'proxy', 'loadGenerator'] as const) {
    const [was, is] = [cpuBefore[part], cpuAfter[part]];
    if (was !== undefined && is !== undefined) cpuMsUsed[part] = Number((is - was).toFixed(1));
  }
  const perRequest = (ms?: number) => (ms === undefined ? '?' : (ms / run.sent).toFixed(3));
  log(
    `${id}: ${(run.ok / run.durationSec).toFixed(0)} req/s, p50 ${run.latencyMs.p50} ms, p99 ` +
      `${run.latencyMs.p99} ms, ${totalCalls(keycloakCalls)} Keycloak calls for ${run.sent} requests, ` +
      `${run.non2xx} non-2xx, ${run.errors} errors; CPU ms/request: app ${perRequest(cpuMsUsed.app)}, ` +
      `Keycloak ${perRequest(cpuMsUsed.keycloak)}`,
  );
  if (run.non2xx + run.errors > 0) log(`${id}: its last lines:\n${running.peer.output()}`);
  const atRate =
    options.cpuRatePerSec > 0 && (running.result.ours || running.result.library === 'none')
      ? await fixedRateWindow(running, load, options)
      : undefined;
  if (atRate)
    log(
      `${id}: at ${options.cpuRatePerSec} req/s: app CPU ms/request ${(atRate.appCpuMs / atRate.sent).toFixed(3)}`,
    );
  return {
    atRate,
    ...windowOf(run),
    keycloakCalls,
    loadAverage,
    cpuMs: cpuMsUsed,
  };
}

/** A window at the fixed rate: the app's CPU over the requests sent, for comparing CPU per request at one load. */
async function fixedRateWindow(
  running: Running,
  load: { url: string; body: string; connections: number; headers: Record<string, string> },
  options: PeersOptions,
): Promise<{ sent: number; appCpuMs: number } | undefined> {
  const before = cpuMs(running.peer.pid);
  const run = await runLoad({ ...load, durationSec: options.durationSec, ratePerSec: options.cpuRatePerSec });
  const after = cpuMs(running.peer.pid);
  running.answered += run.requests;
  if (before === undefined || after === undefined || run.non2xx + run.errors > 0) return undefined;
  return { sent: run.sent, appCpuMs: Number((after - before).toFixed(1)) };
}

async function startAll(
  apps: PeerApp[],
  env: Record<string, string>,
  log: Log,
): Promise<{ running: Running[]; notRun: PeersReport['notRun'] }> {
  const running: Running[] = [];
  const notRun: PeersReport['notRun'] = [];
  for (const app of apps) {
    try {
      const peer = await PeerProcess.start(app, env);
      running.push({
        peer,
        answered: 0,
        result: {
          id: app.id,
          library: app.library,
          libraryVersion: versionOf(app.library),
          mode: app.mode,
          framework: peer.framework,
          adapter: app.adapter,
          ours: app.ours,
          bareId: bareIdOf(app),
          ...(app.authz ? { authz: true, plainId: plainIdOf(app) } : {}),
          rounds: [],
        },
      });
      log(`${app.id}: listening (Nest ${peer.framework}, ${app.adapter})`);
    } catch (error) {
      const reason = (error as Error).message.split('\n').slice(0, 3).join(' ').slice(0, 300);
      log(`${app.id}: not run: ${reason}`);
      notRun.push({ id: app.id, reason });
    }
  }
  return { running, notRun };
}

/**
 * The peers part: Keycloak (reused or started), the counting proxy in front of it (keeping the caller's Host, so
 * every app sees the proxy as the issuer), the realm prepared, every app started and checked once, then `rounds`
 * rounds in which the apps take turns, each with the same warm-up, duration and connections.
 */
export async function runPeers(options: PeersOptions, log: Log): Promise<PeersReport> {
  const machine = thisMachine();
  const startedAt = new Date().toISOString();
  const apps = selectApps(options.apps);
  for (const app of apps) ensureInstalled(app, log);
  const keycloak = await ensureKeycloak((line) => log(`[keycloak] ${line}`));
  let proxy: KeycloakProxyProcess | undefined;
  let realm: PeersRealm | undefined;
  let running: Running[] = [];
  let notRun: PeersReport['notRun'] = [];
  try {
    proxy = await KeycloakProxyProcess.start(keycloak.url, { keepHost: true });
    const keycloakJvm = keycloakPids(Number(new URL(keycloak.url).port));
    if (keycloakJvm.length === 0) log("Keycloak's process not found: its CPU time is not reported");
    realm = await preparePeersRealm(keycloak.url, proxy.url, {
      resource: AUTHZ_RESOURCE,
      scope: AUTHZ_SCOPE,
    });
    // Made first, so that it has expired (with every app's clock tolerance) by the time the apps are up.
    const shortLived = await realm.shortLivedToken();
    const otherAudience = (await realm.otherAudienceToken()).token;
    const env = {
      KEYCLOAK_URL: proxy.url,
      KEYCLOAK_REALM: REALM,
      PEER_CLIENT_ID: realm.clientId,
      PEER_CLIENT_SECRET: realm.clientSecret,
    };
    ({ running, notRun } = await startAll(apps, env, log));
    const tokens = new TokenSource(realm);
    const waitSec = shortLived.expiresAt + 10 - Date.now() / 1000;
    if (waitSec > 0) await sleep(waitSec * 1000);
    const valid = await tokens.token(0);
    for (const app of running.filter((r) => r.result.library !== 'none'))
      app.result.correctness = await checkCorrectness(app, {
        valid,
        otherAudience,
        expired: shortLived.token,
      });
    const authzApps = running.filter((r) => r.result.authz);
    if (authzApps.length > 0) {
      const denied = (await realm.deniedToken()).token;
      const issuer = `${proxy.url}/realms/${REALM}`;
      const claims = {
        issuer,
        audience: ['service-b', PEERS_CLIENT],
        azp: 'service-a',
        scope: 'profile email',
      };
      const [forged] = await forgedTokens(claims, 'realm-kid', kidOf(valid), 1);
      for (const app of authzApps) {
        // A service-a token of its own, which no app has decided a permission for.
        const undecided = (await realm.serviceAToken()).token;
        app.result.authzProbes = await checkAuthz(app, { denied, forged, undecided }, proxy);
        const p = app.result.authzProbes;
        log(
          `${app.result.id}: caller not granted ${p.denied.status} (${p.denied.keycloakCalls} Keycloak calls), ` +
            `forged token ${p.forged.status} (${p.forged.keycloakCalls} Keycloak calls), Keycloak down ` +
            `${p.keycloakDown.status}`,
        );
      }
    }
    const windowSec = Math.max(options.warmupSec * 5, 15) + options.durationSec + 5;
    for (let round = 0; round < options.rounds; round++) {
      log(`round ${round + 1} of ${options.rounds}`);
      for (const app of roundOrder(running, round)) {
        const token = await tokens.token(windowSec);
        app.result.rounds.push(await measure(app, token, options, { keycloak: keycloakJvm, proxy }, log));
      }
    }
  } finally {
    await Promise.all(running.map((r) => r.peer.stop()));
    await realm?.cleanup();
    await proxy?.stop();
    await keycloak.stop();
  }
  const { durationSec, warmupSec, warmupRequests, connections, rounds, cpuRatePerSec } = options;
  const order = new Map(apps.map((app, i) => [app.id, i]));
  return {
    startedAt,
    note: options.note,
    machine,
    settings: { durationSec, warmupSec, warmupRequests, connections, rounds, cpuRatePerSec },
    apps: running.map((r) => r.result).sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0)),
    notRun,
  };
}

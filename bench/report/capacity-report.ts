import { existsSync, readFileSync } from 'node:fs';
import { totalCalls } from '../keycloak-proxy/counting-proxy';
import { callsPerRequest, ChainReport, cpuPerRequest, keycloakCalls } from './chain-report';
import { count, fixed, table } from './format';

/** Keycloak's sizing guidance: client-credentials grants per second one vCPU serves, and the headroom it adds. */
export const GRANTS_PER_VCPU = 120;
export const HEADROOM = 2.5;
/** The chain request rates the model is worked out for. */
export const CAPACITY_RATES = [1_000, 10_000] as const;

/** What the many-users part measured for one user count, as the model needs it. */
export interface UsersMeasurement {
  users: number;
  /** Keycloak calls per chain request in steady state (the exchanges of tokens not cached), and their CPU. */
  keycloakCallsPerRequest: number;
  keycloakCpuMsPerRequest?: number;
  /** The users' access-token lifetime: each user's exchange is cached for at most that long. */
  tokenLifetimeSec: number;
}

/** One way of running the chain at one request rate, and the Keycloak it needs. */
export interface CapacityRow {
  setup: string;
  chainPerSec: number;
  keycloakCallsPerSec: number;
  /** vCPUs from the CPU Keycloak was measured to spend per call here, and from its own guidance (+ headroom). */
  vcpuMeasured: number | undefined;
  vcpuGuidance: number;
}

/** The model's inputs read from a chain run: Keycloak's CPU per call in the uncached chain, calls per request. */
export interface CapacityInputs {
  keycloakCpuMsPerCall: number | undefined;
  uncachedCallsPerRequest: number | undefined;
  cachedCallsPerRequest: number | undefined;
}

/** Reads the model's inputs from a chain run (its uncached and jwt scenarios). */
export function capacityInputs(chain: ChainReport): CapacityInputs {
  const uncached = chain.scenarios.find((s) => s.id === 'uncached');
  const jwt = chain.scenarios.find((s) => s.id === 'jwt');
  const calls = uncached && totalCalls(keycloakCalls(uncached));
  const sent = uncached?.rounds.reduce((n, r) => n + r.sent, 0) ?? 0;
  const cpu = uncached && cpuPerRequest(uncached, 'keycloak');
  return {
    keycloakCpuMsPerCall: cpu !== undefined && calls && sent > 0 ? cpu / (calls / sent) : undefined,
    uncachedCallsPerRequest: uncached && callsPerRequest(uncached),
    cachedCallsPerRequest: jwt && callsPerRequest(jwt),
  };
}

/**
 * Keycloak's vCPUs for the chain at 1 000 and 10 000 requests/s: uncached (a new token and an introspection per
 * hop), this library with one token, and with many users — where each user's exchange is made once per token
 * lifetime, so the exchanges a second are at most users ÷ lifetime, whatever the request rate.
 */
export function capacityModel(inputs: CapacityInputs, users: readonly UsersMeasurement[]): CapacityRow[] {
  const rows: CapacityRow[] = [];
  const row = (setup: string, chainPerSec: number, keycloakCallsPerSec: number): CapacityRow => ({
    setup,
    chainPerSec,
    keycloakCallsPerSec,
    vcpuMeasured:
      inputs.keycloakCpuMsPerCall === undefined
        ? undefined
        : ((keycloakCallsPerSec * inputs.keycloakCpuMsPerCall) / 1000) * HEADROOM,
    vcpuGuidance: (keycloakCallsPerSec / GRANTS_PER_VCPU) * HEADROOM,
  });
  for (const rate of CAPACITY_RATES) {
    if (inputs.uncachedCallsPerRequest !== undefined)
      rows.push(row('uncached', rate, rate * inputs.uncachedCallsPerRequest));
    if (inputs.cachedCallsPerRequest !== undefined)
      rows.push(row('this library, one token', rate, rate * inputs.cachedCallsPerRequest));
    for (const u of users) {
      const exchangesPerSec = Math.min(rate, u.users / u.tokenLifetimeSec);
      rows.push(
        row(
          `this library, ${count(u.users)} users`,
          rate,
          Math.max(exchangesPerSec, rate * u.keycloakCallsPerRequest),
        ),
      );
    }
  }
  return rows;
}

/** The model as the docs show it. */
export function capacityMarkdown(inputs: CapacityInputs, users: readonly UsersMeasurement[]): string {
  const rows = capacityModel(inputs, users);
  return [
    `Keycloak CPU per call, measured in the uncached chain (client credentials, exchange and introspections ` +
      `together): ${fixed(inputs.keycloakCpuMsPerCall, 2)} ms. Keycloak's sizing guidance: about ` +
      `${GRANTS_PER_VCPU} client-credentials grants/s per vCPU (exchange and introspection are not published; ` +
      `counted here as one grant each), plus 150 % headroom — both columns include it.`,
    '',
    table(
      ['setup', 'chain requests/s', 'Keycloak calls/s', 'vCPUs (measured cost)', 'vCPUs (sizing guidance)'],
      rows.map((r) => [
        r.setup,
        count(r.chainPerSec),
        r.keycloakCallsPerSec < 10 ? fixed(r.keycloakCallsPerSec, 2) : count(r.keycloakCallsPerSec),
        fixed(r.vcpuMeasured, 2),
        fixed(r.vcpuGuidance, 2),
      ]),
    ),
  ].join('\n');
}

/** The realm's access-token lifetime (realm-export.json `accessTokenLifespan`): how long an exchange is cached. */
export const REALM_TOKEN_LIFETIME_SEC = 300;

/** The shape of a many-users run the model reads (bench/results/users.json `runs`). */
interface UsersRunLike {
  mode: string;
  users: number;
  cacheMaxEntries: number;
  sent: number;
  keycloakCalls: Record<string, number>;
  cpuMs: { keycloak?: number };
}

/**
 * The many-users part's jwt runs whose cache held every user, from its results file: Keycloak's calls and CPU per
 * request in steady state. None when the file is missing.
 */
export function usersMeasurements(file: string): UsersMeasurement[] {
  if (!existsSync(file)) return [];
  const data = JSON.parse(readFileSync(file, 'utf8')) as { runs?: UsersRunLike[] };
  return (data.runs ?? [])
    .filter((r) => r.mode === 'jwt' && r.users > 1 && r.cacheMaxEntries >= r.users && r.sent > 0)
    .map((r) => ({
      users: r.users,
      keycloakCallsPerRequest: Object.values(r.keycloakCalls).reduce((n, c) => n + c, 0) / r.sent,
      keycloakCpuMsPerRequest: r.cpuMs.keycloak === undefined ? undefined : r.cpuMs.keycloak / r.sent,
      tokenLifetimeSec: REALM_TOKEN_LIFETIME_SEC,
    }));
}

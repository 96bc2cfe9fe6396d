import { ScenarioId } from '../report/chain-report';

/** How one scenario runs the chain. */
export interface ChainScenario {
  id: ScenarioId;
  title: string;
  /** service-b's and service-c's AUTH_MODE. */
  authMode: 'jwt' | 'introspection';
  /** Environment on top of the common one (Keycloak through the counting proxy, LOG_LEVEL). */
  env: Record<string, string>;
  /** The script each service runs. */
  entry: (service: string) => string;
  /** Whether the hops report real callers (false: the no-auth chain's fixed principals). */
  authenticated: boolean;
  /** The algorithm of service-b's DPoP key (`DPOP_KEY_ALG`, set in `env` when not the default EdDSA). */
  dpopAlg?: 'ES256' | 'EdDSA' | 'PS256';
}

const real = (service: string) => `apps/${service}/src/main.ts`;
const variant = (name: string) => (service: string) => `bench/chain/variants/${name}.${service}.ts`;

/** The four scenarios of the benchmark, each over the same chain `POST /api/chain` of service-a. */
export const SCENARIOS: Record<ScenarioId, ChainScenario> = {
  'no-auth': {
    id: 'no-auth',
    title: 'no auth (ceiling)',
    authMode: 'jwt',
    env: {},
    entry: variant('no-auth'),
    authenticated: false,
  },
  uncached: {
    id: 'uncached',
    title: 'uncached (4 Keycloak calls)',
    authMode: 'introspection',
    // Every request introspected, with no limit per caller: the point of the scenario is Keycloak's load.
    env: { INTROSPECTION_CACHE_TTL: '0', INTROSPECTION_MISSES_PER_MINUTE: '0' },
    entry: (service) => (service === 'service-a' ? variant('uncached')(service) : real(service)),
    authenticated: true,
  },
  introspection: {
    id: 'introspection',
    title: 'introspection, cached',
    authMode: 'introspection',
    env: {},
    entry: real,
    authenticated: true,
    dpopAlg: 'EdDSA',
  },
  jwt: {
    id: 'jwt',
    title: 'jwt, cached',
    authMode: 'jwt',
    env: {},
    entry: real,
    authenticated: true,
    dpopAlg: 'EdDSA',
  },
  'jwt-es256': {
    id: 'jwt-es256',
    title: 'jwt, cached, ES256 proofs',
    authMode: 'jwt',
    env: { DPOP_KEY_ALG: 'ES256' },
    entry: real,
    authenticated: true,
    dpopAlg: 'ES256',
  },
  'jwt-ps256': {
    id: 'jwt-ps256',
    title: 'jwt, cached, PS256 proofs',
    authMode: 'jwt',
    env: { DPOP_KEY_ALG: 'PS256' },
    entry: real,
    authenticated: true,
    dpopAlg: 'PS256',
  },
};

/** The chain request every scenario sends: the fixed order of `GET /run-service-b`, and a value for service-c. */
export const CHAIN_ORDER = { order_id: 9876, amount: 1500, value: 10 };

/** One hop of service-a's or service-b's answer, as the services report it. */
export interface Hop {
  service?: unknown;
  sub?: unknown;
  azp?: unknown;
  aud?: unknown;
}

/**
 * The checks every answer of the chain gets: 200, service-c's result twice `value`, and the hops service-b then
 * service-c. Returns what is wrong so far, and the two hops when they are there to be checked further.
 */
export function answerHops(
  status: number,
  body: unknown,
  value: number,
): { problems: string[]; hops?: [Hop, Hop] } {
  if (status !== 200) return { problems: [`status ${status}, body ${JSON.stringify(body)?.slice(0, 300)}`] };
  const answer = (body ?? {}) as { service_c?: { result?: unknown }; hops?: Hop[] };
  const problems: string[] = [];
  if (answer.service_c?.result !== value * 2)
    problems.push(`service_c.result is ${String(answer.service_c?.result)}, not ${value * 2}`);
  const hops = Array.isArray(answer.hops) ? answer.hops : [];
  if (hops.length !== 2 || hops[0].service !== 'service-b' || hops[1].service !== 'service-c') {
    problems.push(`hops are not service-b then service-c: ${JSON.stringify(answer.hops)?.slice(0, 300)}`);
    return { problems };
  }
  return { problems, hops: [hops[0], hops[1]] };
}

/** service-c's hop was reached through service-b's exchanged token: its `azp` and `aud`. */
export function exchangedHopProblems(c: Hop): string[] {
  const problems: string[] = [];
  if (c.azp !== 'service-b') problems.push(`service-c saw azp ${String(c.azp)}, not service-b`);
  if (!Array.isArray(c.aud) || !c.aud.includes('service-c')) problems.push('service-c saw no aud service-c');
  return problems;
}

/**
 * What is wrong with a chain answer, as sentences (none: it is right). Checked once per scenario before the load,
 * so that a fast run of refusals can never pass for a result.
 */
export function chainAnswerProblems(status: number, body: unknown, authenticated: boolean): string[] {
  const { problems, hops } = answerHops(status, body, CHAIN_ORDER.value);
  if (!hops) return problems;
  const [b, c] = hops;
  if (!authenticated) {
    if (b.sub !== 'no-auth' || c.sub !== 'no-auth') problems.push('the no-auth chain reports real callers');
    return problems;
  }
  if (b.azp !== 'service-a') problems.push(`service-b saw azp ${String(b.azp)}, not service-a`);
  problems.push(...exchangedHopProblems(c));
  if (typeof b.sub !== 'string' || b.sub === 'no-auth' || b.sub !== c.sub)
    problems.push('the subject is not service-a’s service account at both hops');
  return problems;
}

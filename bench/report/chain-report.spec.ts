import { noCalls } from '../keycloak-proxy/counting-proxy';
import {
  callsPerRequest,
  chainMarkdown,
  ChainReport,
  chainSummary,
  comparedChainCpu,
  DpopFloor,
  overheadSplit,
  checkTargets,
  invalidScenarios,
  ratioToNoAuth,
  RateWindow,
  RoundResult,
  ScenarioId,
  ScenarioResult,
} from './chain-report';
import { TEST_MACHINE as machine } from './machine.fixture';

function round(
  reqPerSec: number,
  calls: Partial<RoundResult['keycloakCalls']> = {},
  extra: Partial<RoundResult> = {},
) {
  const requests = reqPerSec * 10;
  return {
    sent: requests,
    requests,
    durationSec: 10,
    reqPerSec,
    latencyMs: { p50: 1000 / reqPerSec, p99: 5000 / reqPerSec, mean: 1000 / reqPerSec, max: 100 },
    non2xx: 0,
    errors: 0,
    keycloakCalls: { ...noCalls(), ...calls },
    loadAverage: 1,
    cpuMs: {
      services: requests * 1.5,
      'service-a': requests * 0.4,
      'service-b': requests * 0.7,
      'service-c': requests * 0.4,
      keycloak: 10,
      loadGenerator: requests * 0.3,
    },
    ...extra,
  } satisfies RoundResult;
}

const FLOOR_ES256: DpopFloor = { alg: 'ES256', proofs: 1000, signUs: 20, verifyUs: 30, checkUs: 35 };

function scenario(id: ScenarioId, rounds: RoundResult[]): ScenarioResult {
  return { id, title: id, firstRequestCalls: 4, rounds };
}

function report(scenarios: ScenarioResult[]): ChainReport {
  return {
    startedAt: '2026-01-01T00:00:00.000Z',
    note: 'test',
    machine,
    settings: {
      durationSec: 10,
      warmupSec: 3,
      warmupRequests: 2000,
      connections: 20,
      logLevel: 'warn',
      rounds: 2,
    },
    scenarios,
  };
}

// Two rounds; the machine is twice as fast in the second one.
const full = report([
  scenario('no-auth', [round(1000), round(2000)]),
  scenario('uncached', [
    round(40, { client_credentials: 400, token_exchange: 400, introspection: 800 }),
    round(80, { client_credentials: 800, token_exchange: 800, introspection: 1600 }),
  ]),
  scenario('introspection', [round(900, { introspection: 2 }), round(1800, { introspection: 1 })]),
  scenario('jwt', [round(950), round(1900, { jwks: 1 })]),
]);

describe('chain report', () => {
  it('compares each scenario with no auth round by round', () => {
    expect(ratioToNoAuth(full, full.scenarios[3])).toBeCloseTo(0.95);
    expect(ratioToNoAuth(full, full.scenarios[1])).toBeCloseTo(0.04);
    expect(ratioToNoAuth(report([full.scenarios[3]]), full.scenarios[3])).toBeUndefined();
  });

  it('counts Keycloak calls per request sent, over all rounds', () => {
    expect(callsPerRequest(full.scenarios[1])).toBe(4);
    expect(callsPerRequest(full.scenarios[2])).toBeCloseTo(3 / 27_000);
    expect(callsPerRequest(full.scenarios[0])).toBe(0);
  });

  it('checks the issue targets: met, missed, or not run', () => {
    const flooded: ChainReport = {
      ...full,
      floods: (['jwt', 'introspection'] as const).flatMap((id) =>
        (['realm-kid', 'unknown-kid'] as const).map((kind) => ({
          scenario: id,
          kind,
          tokens: 200,
          sent: 3000,
          refused: 3000,
          other: 0,
          durationSec: 3,
          keycloakCalls: { ...noCalls(), jwks: kind === 'unknown-kid' ? 1 : 0 },
        })),
      ),
    };
    expect(checkTargets(flooded).map((t) => [t.target, t.met])).toEqual([
      ['jwt: chain CPU / request above no auth, besides the DPoP floor, ≤ 0.05 × no auth', undefined],
      ['jwt: Keycloak calls / request in steady state ≤ 0.001', true],
      ["jwt: Keycloak calls for forged tokens, realm's kid = 0", true],
      ['jwt: Keycloak calls for forged tokens, unknown kids, besides JWKS = 0', true],
      ['jwt: JWKS fetches for forged tokens, unknown kids ≤ 1 per 10 s', true],
      [
        'introspection: chain CPU / request above no auth, besides the DPoP floor, ≤ 0.05 × no auth',
        undefined,
      ],
      ['introspection: Keycloak calls / request in steady state ≤ 0.001', true],
      ["introspection: Keycloak calls for forged tokens, realm's kid = 0", true],
      ['introspection: Keycloak calls for forged tokens, unknown kids, besides JWKS = 0', true],
      ['introspection: JWKS fetches for forged tokens, unknown kids ≤ 1 per 10 s', true],
    ]);
    // 1.6 ms of service CPU per request against no auth's 1.5 (Keycloak's 10 ms per round aside), of which the
    // ES256 floor is 0.05 ms: 0.05 ms besides it, 3.3 % of no auth.
    const costlyJwt: ChainReport = {
      ...report([
        full.scenarios[0],
        scenario('jwt', [round(1000, {}, { cpuMs: { services: 16_000, keycloak: 10 } })]),
      ]),
      dpopFloor: [FLOOR_ES256],
    };
    const checks = checkTargets(costlyJwt);
    const above = 16_010 / 10_000 - (1.5 + 20 / 30_000);
    expect(checks[0].met).toBe(true);
    expect(checks[0].value).toBeCloseTo((above - 0.05) / (1.5 + 20 / 30_000));
    const cheapFloor = { ...costlyJwt, dpopFloor: [{ ...FLOOR_ES256, signUs: 10, verifyUs: 10 }] };
    expect(checkTargets(cheapFloor)[0]).toMatchObject({ met: false });
    expect(checkTargets(cheapFloor)[0].value).toBeCloseTo((above - 0.02) / (1.5 + 20 / 30_000));
    expect(checks[2].met).toBeUndefined();
    expect(checks[5].met).toBeUndefined();
    const chatty = report([scenario('jwt', [round(1000, { client_credentials: 11 })])]);
    expect(checkTargets(chatty)[1]).toMatchObject({ met: false, value: 0.0011 });
    const leaky: ChainReport = {
      ...flooded,
      floods: flooded.floods?.map((f) => ({
        ...f,
        keycloakCalls: { ...noCalls(), jwks: 2, introspection: 1 },
      })),
    };
    expect(
      checkTargets(leaky)
        .slice(2, 5)
        .map((t) => [t.value, t.met]),
    ).toEqual([
      [3, false],
      [1, false],
      [2, false],
    ]);
  });

  it('marks a scenario with failed requests as invalid', () => {
    expect(invalidScenarios(full)).toEqual([]);
    const failing = scenario('jwt', [round(1000), round(1000, {}, { non2xx: 3 })]);
    expect(invalidScenarios(report([failing]))).toEqual([failing]);
    const empty = scenario('jwt', [round(1000, {}, { requests: 0 })]);
    expect(invalidScenarios(report([empty]))).toEqual([empty]);
  });

  it('summarizes each scenario with medians over rounds', () => {
    expect(chainSummary(full)[3]).toEqual({
      id: 'jwt',
      reqPerSec: 1425,
      ratioToNoAuth: expect.closeTo(0.95) as number,
      p50Ms: (1000 / 950 + 1000 / 1900) / 2,
      p99Ms: (5000 / 950 + 5000 / 1900) / 2,
      keycloakCallsPerRequest: 1 / 28_500,
      servicesCpuMsPerRequest: 1.5,
      keycloakCpuMsPerRequest: 20 / 28_500,
      chainCpuMsPerRequest: 1.5 + 20 / 28_500,
      cpuOverheadVsNoAuth: expect.closeTo((1.5 + 20 / 28_500) / (1.5 + 20 / 30_000) - 1) as number,
      atRate: {
        reqPerSec: undefined,
        servicesCpuMsPerRequest: undefined,
        keycloakCpuMsPerRequest: undefined,
        chainCpuMsPerRequest: undefined,
      },
      dpopAlg: 'ES256',
      overheadSplit: undefined,
      failures: 0,
    });
  });

  it('writes the tables: scenarios with ratios, calls by kind, targets', () => {
    const markdown = chainMarkdown(full);
    expect(markdown).toContain('Run 2026-01-01T00:00:00.000Z — test.');
    expect(markdown).toContain('2 cores (Test CPU)');
    expect(markdown).toContain('| 1 | no-auth | 1 500 | 1.00× | 0.8 | 3.8 | 0.0000 | 1.50 | 0.00 | – | 0 |');
    expect(markdown).toContain('| 2 | uncached | 60 | 0.04× |');
    expect(markdown).toContain('| uncached | 1 200 | 1 200 | 1 200 | 0 | 2 400 | 0 | 0 | 4 | 1.0 / 1.0 |');
    expect(markdown).toContain(
      '| 2 | uncached | 60 | 0.04× | 18.8 | 93.8 | 4.0000 | 1.50 | 0.02 | +1.1 % | 0 |',
    );
    expect(markdown).toContain('| jwt: Keycloak calls / request in steady state ≤ 0.001 | 0.0000 | met |');
    expect(markdown).toContain('| jwt | 0.400 | 0.700 | 0.400 | 0.001 | 0.300 | – |');
    expect(markdown).not.toContain('Invalid run');
    const noCpu = report([scenario('jwt', [round(1000), round(1000, {}, { cpuMs: {} })])]);
    expect(chainMarkdown(noCpu)).toContain('| 0.0000 | – | – | – | 0 |');
    const failing = report([scenario('jwt', [round(10, {}, { errors: 1 })])]);
    expect(chainMarkdown(failing)).toContain('**Invalid run**: jwt answered non-2xx or failed.');
    expect(chainMarkdown(failing)).toContain(
      '| jwt: chain CPU / request above no auth, besides the DPoP floor, ≤ 0.05 × no auth | – | not run |',
    );
    expect(chainMarkdown(failing)).toContain(
      "| jwt: Keycloak calls for forged tokens, realm's kid = 0 | – | not run |",
    );
  });

  describe('at a fixed rate, against the DPoP floor', () => {
    // Each round a window of 10 s at 500 req/s: no auth 1.0 ms of services' CPU per request and 0.01 of
    // Keycloak's; jwt (EdDSA proofs, the default) 1.1 and 0.01; jwt with ES256 proofs 1.2 and 0.01.
    const atRate = (servicesMs: number, extra: Partial<RateWindow> = {}): Partial<RoundResult> => ({
      atRate: {
        ratePerSec: 500,
        durationSec: 10,
        sent: 5000,
        non2xx: 0,
        errors: 0,
        cpuMs: { services: 5000 * servicesMs, keycloak: 50 },
        ...extra,
      },
    });
    const rated: ChainReport = {
      ...report([
        scenario('no-auth', [round(2000, {}, atRate(1.0)), round(2000, {}, atRate(1.0))]),
        {
          ...scenario('jwt', [round(1600, {}, atRate(1.1)), round(1600, {}, atRate(1.1))]),
          dpopAlg: 'EdDSA',
        },
        {
          ...scenario('jwt-es256', [round(1500, {}, atRate(1.2)), round(1500, {}, atRate(1.2))]),
          dpopAlg: 'ES256',
        },
      ]),
      settings: { ...full.settings, cpuRatePerSec: 500 },
      dpopFloor: [
        { alg: 'ES256', proofs: 1000, signUs: 60, verifyUs: 110, checkUs: 120 },
        { alg: 'EdDSA', proofs: 1500, signUs: 30, verifyUs: 50, checkUs: 70 },
      ],
    };

    it('compares CPU per request in the fixed-rate windows when both sides have them', () => {
      expect(comparedChainCpu(rated, rated.scenarios[2])).toEqual({
        mine: expect.closeTo(1.21) as number,
        noAuth: expect.closeTo(1.01) as number,
        atRate: true,
      });
      // A scenario without them (the uncached chain) is compared at full speed.
      const mixed = { ...rated, scenarios: [...rated.scenarios, scenario('uncached', [round(40)])] };
      expect(comparedChainCpu(mixed, mixed.scenarios[3])?.atRate).toBe(false);
    });

    it("splits the chain's CPU above no auth into the floor of its proof algorithm and the rest", () => {
      const es256 = overheadSplit(rated, rated.scenarios[2]);
      expect(es256?.aboveMs).toBeCloseTo(0.2);
      expect(es256?.floorMs).toBeCloseTo(0.17);
      expect(es256?.restMs).toBeCloseTo(0.03);
      expect(es256?.restFraction).toBeCloseTo(0.03 / 1.01);
      const jwt = overheadSplit(rated, rated.scenarios[1]);
      expect(jwt?.floorMs).toBeCloseTo(0.08);
      expect(jwt?.restMs).toBeCloseTo(0.02);
      expect(overheadSplit({ ...rated, dpopFloor: [] }, rated.scenarios[1])).toBeUndefined();
    });

    it('takes the split round by round against the same round of no auth, the median over rounds', () => {
      // Round 2 disturbed (every process slower, no auth most); the sums would show the security 0.1 ms dearer.
      const noisy: ChainReport = {
        ...rated,
        scenarios: [
          scenario(
            'no-auth',
            [1.0, 1.6, 1.02].map((ms) => round(2000, {}, atRate(ms))),
          ),
          scenario(
            'jwt',
            [1.2, 1.9, 1.21].map((ms) => round(1500, {}, atRate(ms))),
          ),
        ],
      };
      const split = overheadSplit(noisy, noisy.scenarios[1]);
      expect(split?.atRate).toBe(true);
      expect(split?.aboveMs).toBeCloseTo(0.2);
      expect(split?.restMs).toBeCloseTo(0.03);
      expect(split?.restFraction).toBeCloseTo(0.03 / 1.01, 4); // rounds: 0.03 / 1.01, 0.13 / 1.61, 0.02 / 1.03
    });

    it("checks service-c's DPoP check against 1.3 × its verification, per algorithm", () => {
      const checks = checkTargets(rated);
      expect(checks[0]).toMatchObject({ met: true });
      expect(checks[0].value).toBeCloseTo(0.02 / 1.01);
      expect(checks.slice(-2).map((t) => [t.target, t.met])).toEqual([
        ["ES256: service-c's DPoP check ≤ 1.3 × its signature verification", true],
        ["EdDSA: service-c's DPoP check ≤ 1.3 × its signature verification", false],
      ]);
      expect(checks[checks.length - 1].value).toBeCloseTo(1.4);
    });

    it('writes the split and the floor tables', () => {
      const markdown = chainMarkdown(rated);
      expect(markdown).toContain('window of 10 s at a fixed 500 req/s');
      expect(markdown).toContain('| chain CPU vs no auth (at the fixed rate) | failed |');
      expect(markdown).toContain(
        '| 5 | jwt-es256 | 1 500 | 0.75× | 0.7 | 3.3 | 0.0000 | 1.50 | 0.00 | +19.8 % | 0 |',
      );
      expect(markdown).toContain('| no-auth | 500 | 1.010 | – | – | – | – | – |');
      expect(markdown).toContain('| jwt | 500 | 1.110 | 0.100 | EdDSA | 0.080 | 0.020 | +2.0 % |');
      expect(markdown).toContain('| jwt-es256 | 500 | 1.210 | 0.200 | ES256 | 0.170 | 0.030 | +3.0 % |');
      expect(markdown).toContain('| ES256 | 1 000 | 60.0 | 110.0 | 170.0 | 120.0 | 1.09× |');
      expect(markdown).toContain('| EdDSA | 1 500 | 30.0 | 50.0 | 80.0 | 70.0 | 1.40× |');
      expect(chainMarkdown(full)).not.toContain('DPoP crypto floor');
    });

    it('marks a failed request in a fixed-rate window as making the run invalid', () => {
      const failing = scenario('jwt', [round(1500, {}, atRate(1.2, { non2xx: 2 }))]);
      expect(invalidScenarios(report([failing]))).toEqual([failing]);
    });
  });
});

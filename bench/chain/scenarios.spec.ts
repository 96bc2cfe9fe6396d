import { CHAIN_ORDER, chainAnswerProblems, SCENARIOS } from './scenarios';

const hop = (service: string, azp: string, aud: string[], sub = 'service-account-id') => ({
  service,
  sub,
  azp,
  aud,
});
const good = {
  service_b: 'Order 9876 processed by Service B',
  service_c: { result: CHAIN_ORDER.value * 2, msg: 'Service C successfully processed request' },
  hops: [hop('service-b', 'service-a', ['service-b']), hop('service-c', 'service-b', ['service-c'])],
};

describe('the chain answer each scenario must give before it is measured', () => {
  it('accepts a real chain answer: service-c computed, both hops saw the delegated service account', () => {
    expect(chainAnswerProblems(200, good, true)).toEqual([]);
  });

  it('refuses a refusal, however fast', () => {
    expect(chainAnswerProblems(401, { error: 'invalid_token' }, true)[0]).toContain('status 401');
    expect(chainAnswerProblems(502, undefined, true)[0]).toContain('status 502');
  });

  it('refuses a wrong result or missing hops', () => {
    expect(chainAnswerProblems(200, { ...good, service_c: { result: 21 } }, true)).toEqual([
      'service_c.result is 21, not 20',
    ]);
    expect(chainAnswerProblems(200, { ...good, hops: [] }, true)[0]).toContain('hops are not service-b then');
  });

  it('refuses hops that do not show the exchange: caller, audience, subject', () => {
    const wrongCaller = { ...good, hops: [good.hops[0], hop('service-c', 'service-a', ['service-c'])] };
    expect(chainAnswerProblems(200, wrongCaller, true)).toEqual([
      'service-c saw azp service-a, not service-b',
    ]);
    const wrongAudience = { ...good, hops: [good.hops[0], hop('service-c', 'service-b', ['service-b'])] };
    expect(chainAnswerProblems(200, wrongAudience, true)).toEqual(['service-c saw no aud service-c']);
    const otherSubject = { ...good, hops: [good.hops[0], hop('service-c', 'service-b', ['service-c'], 'x')] };
    expect(chainAnswerProblems(200, otherSubject, true)).toHaveLength(1);
  });

  it('tells the no-auth chain (fixed principals) from an authenticated one', () => {
    const noAuth = {
      ...good,
      hops: [
        hop('service-b', 'service-a', ['service-b'], 'no-auth'),
        hop('service-c', 'service-b', ['service-c'], 'no-auth'),
      ],
    };
    expect(chainAnswerProblems(200, noAuth, false)).toEqual([]);
    expect(chainAnswerProblems(200, good, false)).toEqual(['the no-auth chain reports real callers']);
    expect(chainAnswerProblems(200, noAuth, true)).toHaveLength(1);
  });

  it('runs uncached without the introspection cache, and only the no-auth chain on bench entry points', () => {
    expect(SCENARIOS['uncached'].env).toEqual({
      INTROSPECTION_CACHE_TTL: '0',
      INTROSPECTION_MISSES_PER_MINUTE: '0',
    });
    expect(SCENARIOS['uncached'].authMode).toBe('introspection');
    expect(SCENARIOS['uncached'].entry('service-a')).toBe('bench/chain/variants/uncached.service-a.ts');
    expect(SCENARIOS['uncached'].entry('service-b')).toBe('apps/service-b/src/main.ts');
    expect(SCENARIOS['no-auth'].entry('service-c')).toBe('bench/chain/variants/no-auth.service-c.ts');
    for (const id of ['introspection', 'jwt'] as const) {
      expect(SCENARIOS[id].entry('service-a')).toBe('apps/service-a/src/main.ts');
      expect(SCENARIOS[id].env).toEqual({});
    }
  });

  it("runs the jwt chain again with service-b's DPoP key made for ES256 and for PS256, the default EdDSA elsewhere", () => {
    expect(SCENARIOS['jwt-es256']).toMatchObject({
      authMode: 'jwt',
      env: { DPOP_KEY_ALG: 'ES256' },
      dpopAlg: 'ES256',
    });
    expect(SCENARIOS['jwt-ps256']).toMatchObject({
      authMode: 'jwt',
      env: { DPOP_KEY_ALG: 'PS256' },
      dpopAlg: 'PS256',
    });
    expect(SCENARIOS['jwt-es256'].entry('service-b')).toBe('apps/service-b/src/main.ts');
    // The default scenarios set no DPOP_KEY_ALG (checked above): their services make the library's default key.
    expect([SCENARIOS.jwt.dpopAlg, SCENARIOS.introspection.dpopAlg]).toEqual(['EdDSA', 'EdDSA']);
  });
});

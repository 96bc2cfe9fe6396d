import { signedJwtEnv } from './support/client-keys';
import { post } from './support/http';
import { KEYCLOAK_URL, serviceToken } from './support/keycloak';
import { RunningService, startService } from './support/service-process';

const ORDER = { order_id: 5, amount: 2, value: 4 };

/** The value of one sample of a service's `/metrics` (fetched without a token), or undefined when absent. */
async function sample(service: RunningService, name: string, labels: Record<string, string>) {
  const res = await fetch(`${service.url}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const have = match[2].split(',');
    if (
      wanted.every((w) => have.includes(w)) &&
      have.filter((h) => !h.startsWith('le=')).length === wanted.length
    )
      return Number(match[3]);
  }
  return undefined;
}

/**
 * A chain of its own (the default stack's mix: service-b introspects, service-c verifies with the JWKS), so the
 * counters start at zero and no other test file moves them.
 */
describe('metrics of a chain against the real Keycloak', () => {
  let c: RunningService;
  let b: RunningService;
  let a: RunningService;

  beforeAll(async () => {
    const common = { KEYCLOAK_URL, LOG_LEVEL: 'warn' };
    c = await startService('service-c', { ...common, ...signedJwtEnv('service-c'), AUTH_MODE: 'jwt' });
    b = await startService('service-b', {
      ...common,
      ...signedJwtEnv('service-b'),
      AUTH_MODE: 'introspection',
      SERVICE_C_URL: c.url,
    });
    a = await startService('service-a', {
      ...common,
      ...signedJwtEnv('service-a'),
      SERVICE_B_URL: b.url,
    });
    for (let call = 1; call <= 2; call++) {
      const res = await post(`${a.url}/api/chain`, ORDER);
      expect(res.status).toBe(200);
    }
  }, 120_000);

  afterAll(() => Promise.all([a, b, c].map((s) => s?.stop())));

  it('counts each request by route template and status at every hop', async () => {
    const count = 'http_request_duration_seconds_count';
    expect(await sample(a, count, { method: 'POST', route: '/api/chain', status: '200' })).toBe(2);
    expect(await sample(b, count, { method: 'POST', route: '/api/process', status: '200' })).toBe(2);
    expect(await sample(c, count, { method: 'POST', route: '/api/compute', status: '200' })).toBe(2);
  });

  it('counts the accepted tokens by mode: introspection at service-b, jwt at service-c', async () => {
    const auth = 'keycloak_auth_requests_total';
    expect(await sample(b, auth, { mode: 'introspection', outcome: 'accepted' })).toBe(2);
    expect(await sample(c, auth, { mode: 'jwt', outcome: 'accepted' })).toBe(2);
  });

  it('times each endpoint of Keycloak the chain used, once each: the second call came from the caches', async () => {
    const calls = 'keycloak_idp_request_duration_seconds_count';
    expect(await sample(a, calls, { endpoint: 'token', outcome: 'ok' })).toBe(1);
    expect(await sample(b, calls, { endpoint: 'introspection', outcome: 'ok' })).toBe(1);
    expect(await sample(b, calls, { endpoint: 'token_exchange', outcome: 'ok' })).toBe(1);
    expect(await sample(c, calls, { endpoint: 'jwks', outcome: 'ok' })).toBe(1);
    const seconds = await sample(b, 'keycloak_idp_request_duration_seconds_sum', {
      endpoint: 'token_exchange',
      outcome: 'ok',
    });
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(5);
  });

  it.each([
    ['service-a', 'client_credentials'],
    ['service-b', 'introspection'],
    ['service-b', 'token_exchange'],
    ['service-c', 'verified_jwt'],
  ])('%s: the %s cache missed on the first call and hit on the second', async (name, cache) => {
    const service = { 'service-a': a, 'service-b': b, 'service-c': c }[name]!;
    expect(await sample(service, 'keycloak_cache_lookups_total', { cache, result: 'miss' })).toBe(1);
    expect(await sample(service, 'keycloak_cache_lookups_total', { cache, result: 'hit' })).toBe(1);
  });

  it('counts a refused token under its reason, and never shows a path a client made up', async () => {
    const foreign = await serviceToken('service-a'); // meant for service-b, sent to service-c
    expect((await post(`${c.url}/api/compute`, { value: 1 }, { token: foreign })).status).toBe(401);
    expect((await post(`${b.url}/api/process`, ORDER)).status).toBe(401);
    expect((await fetch(`${c.url}/api/compute/eyJraWQ?secret=1`)).status).toBe(404);
    expect(
      await sample(c, 'keycloak_auth_requests_total', { mode: 'jwt', outcome: 'token_audience_invalid' }),
    ).toBe(1);
    expect(
      await sample(b, 'keycloak_auth_requests_total', { mode: 'introspection', outcome: 'token_missing' }),
    ).toBe(1);
    const text = await (await fetch(`${c.url}/metrics`)).text();
    expect(text).toContain('route="unmatched",status="404"');
    expect(text).not.toMatch(/eyJ|secret/);
  });
});

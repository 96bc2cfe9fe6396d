import { signedJwtEnv } from './support/client-keys';
import { post } from './support/http';
import { KEYCLOAK_URL, stacks } from './support/keycloak';
import { freePort, RunningService, startService } from './support/service-process';

const ORDER = { order_id: 7, amount: 1 };

describe.each(['jwt', 'introspection'] as const)('request ids and health (%s mode)', (mode) => {
  const stack = stacks()[mode];

  it('a request id given to service-a is answered back and seen by service-b and service-c', async () => {
    const res = await fetch(`${stack['service-a']}/api/chain`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': `e2e-${mode}-1` },
      body: JSON.stringify(ORDER),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe(`e2e-${mode}-1`);
    const body = (await res.json()) as { hops: { service: string; request_id: string }[] };
    expect(body.hops.map((h) => [h.service, h.request_id])).toEqual([
      ['service-b', `e2e-${mode}-1`],
      ['service-c', `e2e-${mode}-1`],
    ]);
  });

  it('without one, service-a makes one (a UUID) and the whole chain uses it', async () => {
    const res = await fetch(`${stack['service-a']}/api/chain`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ORDER),
    });
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const body = (await res.json()) as { hops: { request_id: string }[] };
    expect(body.hops.map((h) => h.request_id)).toEqual([id, id]);
  });

  it('an unacceptable request id (too long, or with spaces) is replaced, not echoed', async () => {
    for (const given of ['x'.repeat(65), 'a b', '{"inject":1}']) {
      const res = await fetch(`${stack['service-b']}/api/process`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': given },
        body: '{}',
      });
      expect(res.status).toBe(401);
      const id = res.headers.get('x-request-id');
      expect(id).not.toBe(given);
      expect(((await res.json()) as { request_id: string }).request_id).toBe(id);
    }
  });

  it('error bodies carry the request id: 401 at service-b, 400 at service-a', async () => {
    const refused = await post(`${stack['service-b']}/api/process`, ORDER);
    expect(refused.status).toBe(401);
    expect(refused.body.request_id).toEqual(expect.any(String));
    const invalid = await fetch(`${stack['service-a']}/api/chain`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': `e2e-${mode}-bad` },
      body: JSON.stringify({ order_id: 'x', amount: 1 }),
    });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: 'invalid_request', request_id: `e2e-${mode}-bad` });
  });

  it.each(['service-a', 'service-b', 'service-c'] as const)(
    '%s is ready: Keycloak answers and its next hop is live',
    async (service) => {
      const res = await fetch(`${stack[service]}/health/ready`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { status: string; details: Record<string, { status: string }> };
      expect(body.status).toBe('ok');
      expect(body.details.keycloak.status).toBe('up');
      const next = { 'service-a': 'service-b', 'service-b': 'service-c', 'service-c': undefined }[service];
      if (next) expect(body.details[next].status).toBe('up');
      else expect(Object.keys(body.details)).toEqual(['keycloak']);
    },
  );
});

describe('readiness when the next hop is down', () => {
  let serviceB: RunningService;

  beforeAll(async () => {
    const closed = await freePort(); // nothing listens there
    serviceB = await startService('service-b', {
      KEYCLOAK_URL,
      CLIENT_ID: 'service-b',
      ...signedJwtEnv('service-b'),
      SERVICE_C_URL: `http://127.0.0.1:${closed}`,
    });
  });

  afterAll(() => serviceB?.stop());

  it('service-b answers 503 naming service-c, while still live', async () => {
    const ready = await fetch(`${serviceB.url}/health/ready`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { status: string; error: Record<string, { message: string }> };
    expect(body.status).toBe('error');
    expect(body.error['service-c'].message).toBe('ECONNREFUSED');
    expect((await fetch(`${serviceB.url}/health/live`)).status).toBe(200);
  });

  it('logs each request as one JSON line with its id, and never a token', async () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    await post(`${serviceB.url}/api/process?code=secret-code`, ORDER, { token });
    await new Promise((r) => setTimeout(r, 200));
    const lines = serviceB
      .output()
      .split('\n')
      .filter((l) => l.includes('"request completed"'));
    const line = lines.map((l) => JSON.parse(l)).find((l) => l.req?.path === '/api/process');
    expect(line).toMatchObject({
      service: 'service-b',
      res: { statusCode: 401 },
      request_id: expect.any(String),
    });
    expect(serviceB.output()).not.toContain(token);
    expect(serviceB.output()).not.toContain('secret-code');
  });
});

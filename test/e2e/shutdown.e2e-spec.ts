import { signedJwtEnv } from './support/client-keys';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { post } from './support/http';
import { KEYCLOAK_URL, serviceToken } from './support/keycloak';
import { RunningService, runToExit, startService } from './support/service-process';

/** How long the stand-in for service-c holds each call: long enough to send SIGTERM while it is under way. */
const HOLD_MS = 3000;
/** service-b's SHUTDOWN_DELAY_MS: readiness 503, listener still open. */
const DELAY_MS = 500;

/** A service-c that answers like the real one, but only after {@link HOLD_MS}; tells when a call arrives. */
function slowServiceC(onCall: () => void): Promise<Server> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/health/live') return res.writeHead(200).end('{"status":"ok"}');
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      onCall();
      setTimeout(() => {
        const { value } = JSON.parse(body) as { value: number };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ result: value * 2, msg: 'slow stand-in', hop: { service: 'service-c' } }));
      }, HOLD_MS);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** The code of the error a request to a closed port fails with (fetch wraps it as the cause). */
async function refusal(url: string): Promise<string | undefined> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return undefined;
  } catch (error) {
    return ((error as { cause?: { code?: string } }).cause ?? (error as { code?: string })).code;
  }
}

describe('graceful shutdown of service-b (real Keycloak, a slow service-c)', () => {
  let serviceC: Server;
  let serviceB: RunningService;
  let callArrived: () => void;
  const arrived = new Promise<void>((resolve) => (callArrived = resolve));

  beforeAll(async () => {
    serviceC = await slowServiceC(() => callArrived());
    serviceB = await startService('service-b', {
      KEYCLOAK_URL,
      ...signedJwtEnv('service-b'),
      SERVICE_C_URL: `http://127.0.0.1:${(serviceC.address() as AddressInfo).port}`,
      SHUTDOWN_DELAY_MS: String(DELAY_MS),
    });
  });

  afterAll(async () => {
    await serviceB?.stop();
    serviceC?.closeAllConnections();
    await new Promise((resolve) => serviceC?.close(resolve));
  });

  it('on SIGTERM: readiness 503 at once, new connections refused, the call under way answered 200, exit 0', async () => {
    const token = await serviceToken('service-a');
    expect((await fetch(`${serviceB.url}/health/ready`)).status).toBe(200);
    const inFlight = post(`${serviceB.url}/api/process`, { order_id: 1, amount: 1, value: 21 }, { token });
    await arrived; // service-b verified the token, exchanged it at Keycloak and is now waiting for service-c
    const signalled = Date.now();
    serviceB.child.kill('SIGTERM');

    await new Promise((r) => setTimeout(r, 100));
    const ready = await fetch(`${serviceB.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      status: 'error',
      error: { shutdown: { status: 'down', message: 'draining (SIGTERM)' } },
    });

    await new Promise((r) => setTimeout(r, DELAY_MS + 300));
    expect(await refusal(`${serviceB.url}/health/live`)).toBe('ECONNREFUSED');
    expect(Date.now() - signalled).toBeLessThan(HOLD_MS); // still under way: the refusal came while it was

    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ service_c: { result: 42 } });

    const exit = await Promise.race([
      serviceB.exited,
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 10_000)),
    ]);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(await refusal(`${serviceB.url}/api/process`)).toBe('ECONNREFUSED');
    expect(serviceB.output()).toContain('SIGTERM: draining');
  });
});

describe('configuration checked before the service starts', () => {
  it('names each bad key in one line on stderr, no stack trace, and exits 1', async () => {
    const { code, output } = await runToExit('service-b', {
      KEYCLOAK_URL: 'keycloak:8080',
      CLIENT_AUTH_METHOD: 'client_secret_basic',
      CLIENT_SECRET: '',
      PORT: 'eighty',
      SERVICE_C_URL: 'http://127.0.0.1:1',
    });
    // KEYCLOAK_URL is refused by the library's own rule (the resolver's), under the environment's name.
    expect(code).toBe(1);
    expect(output.trim().split('\n')).toEqual([
      'service-b: cannot start: Invalid configuration: PORT must be an integer >= 0, got "eighty"; ' +
        'CLIENT_SECRET is required; KEYCLOAK_URL: must be an http(s) URL, got "keycloak:8080"',
    ]);
  });

  it('refuses a malformed SHUTDOWN_DELAY_MS the same way', async () => {
    const { code, output } = await runToExit('service-c', {
      KEYCLOAK_URL,
      ...signedJwtEnv('service-c'),
      SHUTDOWN_DELAY_MS: '-5',
    });
    expect(code).toBe(1);
    expect(output.trim()).toBe(
      'service-c: cannot start: Invalid configuration: SHUTDOWN_DELAY_MS must be an integer >= 0, got "-5"',
    );
  });
});

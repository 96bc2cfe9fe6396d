import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Tier {
  name: string;
  port: number;
  check: string;
  servers: { name: string; port: number; checkPort?: number }[];
}
const script = join(__dirname, '..', '..', 'scripts', 'haproxy.mjs');
const stackScript = join(__dirname, '..', '..', 'scripts', 'stack.mjs');
const haproxy = ['/usr/sbin/haproxy', 'haproxy'].find((bin) => !spawnSync(bin, ['-v']).error);

const TIERS: Tier[] = [
  {
    name: 'keycloak',
    port: 18600,
    check: '/health/ready',
    servers: [
      { name: 'kc1', port: 18481, checkPort: 19481 },
      { name: 'kc2', port: 18482, checkPort: 19482 },
    ],
  },
  { name: 'service-a', port: 18601, check: '/health/ready', servers: [{ name: 'a1', port: 18602 }] },
];

async function config(tiers: Tier[]): Promise<string> {
  const { haproxyConfig } = (await import(script)) as { haproxyConfig: (t: Tier[]) => string };
  return haproxyConfig(tiers);
}

describe("the cluster stack's HAProxy configuration (scripts/haproxy.mjs)", () => {
  it('re-sends to another server a request that reached none, and only GET, HEAD and OPTIONS after a closed connection', async () => {
    const text = await config(TIERS);
    for (const line of ['retries 3', 'option redispatch 1', 'retry-on conn-failure empty-response'])
      expect(text).toContain(`  ${line}\n`);
    expect(text).not.toMatch(/retry-on .*(503|all-retryable-errors)/);
    expect(text.match(/ {2}http-request disable-l7-retry unless METH_GET \|\| METH_OPTIONS\n/g)).toHaveLength(
      2,
    );
    expect(text).toContain('  option http-buffer-request\n');
  });

  it("checks each server's readiness, Keycloak's on its management port", async () => {
    const text = await config(TIERS);
    expect(text).toContain('  server kc1 127.0.0.1:18481 check port 19481\n');
    expect(text).toContain('  server a1 127.0.0.1:18602 check\n');
    expect(text.match(/option httpchk GET \/health\/ready/g)).toHaveLength(2);
    expect(text).toContain('  bind 127.0.0.1:18600\n');
  });

  it.skipIf(!haproxy)('is accepted by haproxy -c', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'haproxy-config-spec-'));
    try {
      const file = join(dir, 'haproxy.cfg');
      writeFileSync(file, await config(TIERS));
      const check = spawnSync(haproxy as string, ['-c', '-f', file], { encoding: 'utf8' });
      expect(`${check.status} ${check.stderr}`).toMatch(/^0 /);
      writeFileSync(
        file,
        (await config(TIERS)).replace('retry-on conn-failure empty-response', 'retry-on conn-failure 999'),
      );
      expect(spawnSync(haproxy as string, ['-c', '-f', file]).status).not.toBe(0);
    } finally {
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A replica behind the real HAProxy: readiness 200 on `GET /health/ready`, `post` for every POST. */
function replica(post: (req: IncomingMessage, res: ServerResponse) => void) {
  return createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/health/ready') return void res.end('ok');
    req.resume();
    req.on('end', () => post(req, res));
  });
}

function listen(server: ReturnType<typeof createServer>, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

const answer = (res: ServerResponse, status: number, body: object) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

describe.skipIf(!haproxy)("the cluster stack's HAProxy, running, in front of two replicas", () => {
  let freePort: () => Promise<number>;
  let started: { close: () => unknown }[];
  let stopHaproxy: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ freePort } = (await import(stackScript)) as { freePort: () => Promise<number> });
  });
  beforeEach(() => {
    started = [];
    stopHaproxy = undefined;
  });
  afterEach(async () => {
    await stopHaproxy?.();
    for (const server of started) server.close();
  });

  /** HAProxy (scripts/haproxy.mjs) in front of `servers`; its frontend's URL. */
  async function front(servers: Tier['servers']): Promise<string> {
    const { startHaproxy } = (await import(script)) as {
      startHaproxy: (o: {
        tiers: Tier[];
      }) => Promise<{ urls: Record<string, string>; stop: () => Promise<void> }>;
    };
    const lb = await startHaproxy({
      tiers: [{ name: 'svc', port: await freePort(), check: '/health/ready', servers }],
    });
    stopHaproxy = lb.stop;
    return lb.urls.svc;
  }

  it('a POST a replica answered 503 after recording its DPoP proof reaches the client as that 503, not as a replay (401) at the other', async () => {
    // Both replicas share the proofs they saw (as through Redis); the next hop fails after the proof is recorded.
    const seen = new Set<string>();
    let posts = 0;
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      posts++;
      const proof = String(req.headers.dpop);
      if (seen.has(proof)) return answer(res, 401, { code: 'dpop_proof_replayed' });
      seen.add(proof);
      answer(res, 503, { error: 'idp_unavailable' });
    };
    const ports = [await freePort(), await freePort()];
    for (const port of ports) {
      const server = replica(handler);
      started.push(server);
      await listen(server, port);
    }
    const url = await front(ports.map((port, i) => ({ name: `r${i + 1}`, port })));
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${url}/api/quote`, {
        method: 'POST',
        headers: { dpop: `proof-${i}`, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ error: 'idp_unavailable' });
    }
    expect(posts).toBe(4); // each sent once: never re-sent to the other replica
  });

  it('a POST that met a refused connection (a replica gone, not yet checked down) is sent to the other one', async () => {
    let posts = 0;
    const live = replica((_req, res) => answer(res, 200, { n: ++posts }));
    // The gone replica's readiness still answers (its own port), so HAProxy keeps sending to its closed port.
    const gone = replica(() => undefined);
    started.push(live, gone);
    const [livePort, gonePort, goneCheckPort] = [await freePort(), await freePort(), await freePort()];
    await listen(live, livePort);
    await listen(gone, goneCheckPort);
    const url = await front([
      { name: 'live', port: livePort },
      { name: 'gone', port: gonePort, checkPort: goneCheckPort },
    ]);
    for (let i = 1; i <= 6; i++) {
      const res = await fetch(`${url}/api/quote`, { method: 'POST', body: '{}' });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ n: i });
    }
  });
});

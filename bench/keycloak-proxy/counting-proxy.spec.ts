import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import {
  callsBetween,
  CountingProxy,
  kindOf,
  noCalls,
  startCountingProxy,
  totalCalls,
} from './counting-proxy';

const REALM = '/realms/s2s/protocol/openid-connect';
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

describe('what a Keycloak call is', () => {
  it.each([
    [`${REALM}/token/introspect`, 'token=abc', 'introspection'],
    [`${REALM}/certs`, '', 'jwks'],
    [`${REALM}/token`, 'grant_type=client_credentials', 'client_credentials'],
    [`${REALM}/token`, `grant_type=${encodeURIComponent(EXCHANGE)}&subject_token=x`, 'token_exchange'],
    [`${REALM}/token`, 'grant_type=password&username=alice', 'token_other'],
    [`${REALM}/token?x=1`, 'grant_type=client_credentials', 'client_credentials'],
    ['/realms/s2s/.well-known/openid-configuration', '', 'other'],
  ])('%s with %j is %s', (path, body, kind) => {
    expect(kindOf(path, body)).toBe(kind);
  });

  it('counts a window as the difference of two snapshots', () => {
    const before = { ...noCalls(), introspection: 2, jwks: 1 };
    const after = { ...noCalls(), introspection: 5, jwks: 1, client_credentials: 1 };
    expect(callsBetween(before, after)).toEqual({ ...noCalls(), introspection: 3, client_credentials: 1 });
    expect(totalCalls(after)).toBe(7);
  });
});

describe('the counting proxy in front of Keycloak', () => {
  let upstream: Server;
  let upstreamUrl: string;
  let proxy: CountingProxy;
  const seen: { url?: string; headers: IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
        if (req.url?.endsWith('/certs'))
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
        else
          res
            .writeHead(401, { 'content-type': 'application/json', 'x-upstream': 'yes' })
            .end('{"error":"nope"}');
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    proxy = await startCountingProxy(upstreamUrl);
  });

  afterAll(async () => {
    await proxy.stop();
    upstream.closeAllConnections();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it('forwards requests unchanged but for the Host header, and answers what Keycloak answered', async () => {
    seen.length = 0;
    const form = `grant_type=${encodeURIComponent(EXCHANGE)}&subject_token=${'a'.repeat(2000)}`;
    const res = await fetch(`${proxy.url}${REALM}/token?q=1`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: 'Basic c2VydmljZS1iOng=',
      },
      body: form,
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-upstream')).toBe('yes');
    expect(await res.json()).toEqual({ error: 'nope' });
    expect(seen).toHaveLength(1);
    expect(seen[0].url).toBe(`${REALM}/token?q=1`);
    expect(seen[0].body).toBe(form);
    // Keycloak derives the issuer from Host: it must see its own address, not the proxy's.
    expect(seen[0].headers.host).toBe(new URL(upstreamUrl).host);
    expect(seen[0].headers.authorization).toBe('Basic c2VydmljZS1iOng=');
  });

  it("with keepHost, forwards the caller's Host header, so that Keycloak names the proxy in its issuer", async () => {
    const keeping = await startCountingProxy(upstreamUrl, { keepHost: true });
    try {
      seen.length = 0;
      await fetch(`${keeping.url}${REALM}/certs`).then((r) => r.json());
      expect(seen).toHaveLength(1);
      expect(seen[0].headers.host).toBe(new URL(keeping.url).host);
      expect(seen[0].headers.host).not.toBe(new URL(upstreamUrl).host);
    } finally {
      await keeping.stop();
    }
  });

  it('counts each call by kind', async () => {
    const before = proxy.counts();
    const post = (path: string, body: string) =>
      fetch(`${proxy.url}${REALM}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      }).then((r) => r.arrayBuffer());
    await Promise.all([
      post('/token', 'grant_type=client_credentials'),
      post('/token', 'grant_type=client_credentials'),
      post('/token/introspect', 'token=x'),
      fetch(`${proxy.url}${REALM}/certs`).then((r) => r.json()),
    ]);
    expect(callsBetween(before, proxy.counts())).toEqual({
      ...noCalls(),
      client_credentials: 2,
      introspection: 1,
      jwks: 1,
    });
  });

  it('answers 502 naming the error when Keycloak cannot be reached, and counts the call', async () => {
    const down = createServer();
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    const port = (down.address() as AddressInfo).port;
    await new Promise((resolve) => down.close(resolve));
    const orphan = await startCountingProxy(`http://127.0.0.1:${port}`);
    try {
      const res = await fetch(`${orphan.url}${REALM}/certs`);
      expect(res.status).toBe(502);
      expect(await res.text()).toBe('keycloak proxy: ECONNREFUSED');
      expect(orphan.counts().jwks).toBe(1);
    } finally {
      await orphan.stop();
    }
  });

  it('plays Keycloak down: closes the connection, forwards and counts nothing, until it is up again', async () => {
    seen.length = 0;
    const before = proxy.counts();
    proxy.setDown(true);
    try {
      await expect(fetch(`${proxy.url}${REALM}/certs`)).rejects.toThrow();
      expect(seen).toHaveLength(0);
      expect(callsBetween(before, proxy.counts())).toEqual(noCalls());
    } finally {
      proxy.setDown(false);
    }
    const res = await fetch(`${proxy.url}${REALM}/certs`);
    expect(await res.json()).toEqual({ keys: [] });
    expect(seen).toHaveLength(1);
    expect(callsBetween(before, proxy.counts()).jwks).toBe(1);
  });
});

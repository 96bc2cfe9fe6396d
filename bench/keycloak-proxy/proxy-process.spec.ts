import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { noCalls } from './counting-proxy';
import { KeycloakProxyProcess } from './proxy-process';

describe('the counting proxy in a process of its own', () => {
  let upstream: Server;
  let proxy: KeycloakProxyProcess;

  beforeAll(async () => {
    upstream = createServer(
      (req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{}'),
    );
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    proxy = await KeycloakProxyProcess.start(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
  }, 30_000);

  afterAll(async () => {
    await proxy.stop();
    upstream.closeAllConnections();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it('forwards calls and reports their counts over IPC, request by request', async () => {
    expect(await proxy.counts()).toEqual(noCalls());
    const res = await fetch(`${proxy.url}/realms/s2s/protocol/openid-connect/token/introspect`, {
      method: 'POST',
      body: 'token=x',
    });
    expect(res.status).toBe(200);
    const [first, second] = await Promise.all([proxy.counts(), proxy.counts()]);
    expect(first).toEqual({ ...noCalls(), introspection: 1 });
    expect(second).toEqual(first);
  });

  it('stops, and a stopped proxy no longer answers', async () => {
    const url = proxy.url;
    await proxy.stop();
    await expect(fetch(`${url}/realms/s2s/protocol/openid-connect/certs`)).rejects.toThrow();
    await expect(proxy.counts()).rejects.toThrow();
  });
});

import KcAdminClient from '@keycloak/keycloak-admin-client';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { adminWorkingOn } from './admin-connection';

/** An unsigned JWT whose only use here is its `exp`, which the admin client reads to decide when to refresh. */
function tokenExpiringIn(seconds: number, n: number): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none' })}.${part({ exp: Math.floor(Date.now() / 1000) + seconds, n })}.`;
}

/**
 * A stand-in for Keycloak's token endpoint and one admin API route: it records which realm each grant went to
 * and which access token each admin call carried. Its tokens expire within the admin client's 5-s margin, so the
 * client refreshes before every call, as it does with a real one after 60 s.
 */
describe('adminWorkingOn', () => {
  let server: Server;
  let baseUrl: string;
  const grants: { realm: string; grantType: string | null }[] = [];
  const calls: { path: string; authorization?: string }[] = [];
  let issued = 0;

  const body = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => resolve(text));
    });

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const token = /^\/realms\/([^/]+)\/protocol\/openid-connect\/token$/.exec(req.url ?? '');
      if (token) {
        const form = new URLSearchParams(await body(req));
        grants.push({ realm: token[1], grantType: form.get('grant_type') });
        if (token[1] !== 'master') {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: 'invalid_grant', error_description: 'Invalid refresh token' }));
          return;
        }
        issued += 1;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            access_token: tokenExpiringIn(1, issued),
            refresh_token: tokenExpiringIn(1800, issued),
          }),
        );
        return;
      }
      calls.push({ path: req.url ?? '', authorization: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[]');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("works on the other realm while every token, the refreshed ones included, comes from master's endpoint", async () => {
    const login = new KcAdminClient({ baseUrl, realmName: 'master' });
    await login.auth({ grantType: 'password', clientId: 'admin-cli', username: 'u', password: 'p' });
    const admin = adminWorkingOn(login, 's2s');

    await admin.clients.find({ clientId: 'service-a' });
    await admin.clients.find({ clientId: 'service-b' });

    expect(grants).toEqual([
      { realm: 'master', grantType: 'password' },
      { realm: 'master', grantType: 'refresh_token' },
      { realm: 'master', grantType: 'refresh_token' },
    ]);
    expect(calls.map((c) => c.path.split('?')[0])).toEqual([
      '/admin/realms/s2s/clients/',
      '/admin/realms/s2s/clients/',
    ]);
    const n = (authorization?: string) =>
      (JSON.parse(Buffer.from(authorization!.split('.')[1], 'base64url').toString()) as { n: number }).n;
    // Each call carried the token master had just issued (the second and third), not a stale one.
    expect(calls.map((c) => n(c.authorization))).toEqual([2, 3]);
  });
});

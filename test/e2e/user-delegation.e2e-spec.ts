import type { Hop } from '@app/chain';
import { CookieJar, location, logIn, loginUntilCallback, request } from './support/bff';
import { post } from './support/http';
import { claimsOf, stacks, USERS } from './support/keycloak';
import { expectOneScopePerHop, HOP_SCOPES, scopeWords } from './support/least-privilege';

const ORDER = { order_id: 9876, amount: 1500 };

/** The internal login (password grant) at service-a: the token response, or the error answer. */
async function passwordLogin(serviceA: string, username: string, password: string) {
  return post(`${serviceA}/auth/token`, { username, password });
}

describe.each(['jwt', 'introspection'] as const)('user delegation User→A→B→C (%s mode)', (mode) => {
  const stack = stacks()[mode];
  const serviceA = stack['service-a'];

  describe('through the internal password-grant login', () => {
    it('alice passes service-b (role orders-user) and service-c sees alice as subject, service-b as azp', async () => {
      const login = await passwordLogin(serviceA, 'alice', USERS.alice);
      expect(login.status).toBe(200);
      expect(login.body).toMatchObject({ token_type: 'Bearer', expires_in: expect.any(Number) });
      const accessToken = login.body.access_token as string;
      const alice = claimsOf(accessToken);
      // One audience (a string in Keycloak's tokens): the realm's roles scope adds no audience of the clients whose
      // roles a user holds (no `account`).
      expect(alice).toMatchObject({ azp: 'service-a', aud: 'service-b', preferred_username: 'alice' });
      expect(scopeWords(String(alice.scope))).toEqual(HOP_SCOPES.user['service-b']);

      const res = await post(`${stack['service-b']}/api/process`, ORDER, { token: accessToken });
      expect(res.status).toBe(200);
      const [atB, atC] = res.body.hops as Hop[];
      expect(atB).toMatchObject({
        sub: alice.sub,
        preferred_username: 'alice',
        azp: 'service-a',
        aud: ['service-b'],
      });
      expect(atC).toMatchObject({
        sub: alice.sub,
        preferred_username: 'alice',
        azp: 'service-b',
        aud: ['service-c'],
      });
      expectOneScopePerHop(res.body.hops as Hop[], 'user');
    });

    it('bob (no role) is refused by service-b: 403 insufficient_scope naming the role, service-c never called', async () => {
      const login = await passwordLogin(serviceA, 'bob', USERS.bob);
      expect(login.status).toBe(200);
      const res = await post(`${stack['service-b']}/api/process`, ORDER, {
        token: login.body.access_token as string,
      });
      expect(res.status).toBe(403);
      expect(res.wwwAuthenticate).toMatch(/^Bearer realm="s2s", error="insufficient_scope"/);
      expect(res.wwwAuthenticate).toContain('orders-user');
      expect(res.body).toMatchObject({ error: 'insufficient_scope', code: 'insufficient_role' });
      expect(res.body.hops).toBeUndefined();
    });

    it('a wrong password is 400 invalid_grant, with no token in the answer', async () => {
      // Not alice or bob: the realm's brute-force protection would lock them out for the other tests. Keycloak
      // answers an unknown user exactly like a wrong password (it does not reveal who exists).
      const res = await passwordLogin(serviceA, `nobody-${mode}`, 'not-a-password');
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_grant' });
      expect(JSON.stringify(res.body)).not.toMatch(/eyJ/);
    });

    it('a login without a password is 400 naming the field', async () => {
      const res = await post(`${serviceA}/auth/token`, { username: 'alice' });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_request', fields: ['password'] });
    });

    it('POST /auth/refresh renews the tokens; a forged refresh token is 400 invalid_grant', async () => {
      const login = await passwordLogin(serviceA, 'alice', USERS.alice);
      const renewed = await post(`${serviceA}/auth/refresh`, { refresh_token: login.body.refresh_token });
      expect(renewed.status).toBe(200);
      const before = claimsOf(login.body.access_token as string);
      const after = claimsOf(renewed.body.access_token as string);
      expect(after.sub).toBe(before.sub);
      expect(after.sid).toBe(before.sid);
      expect(after.jti).not.toBe(before.jti);
      const used = await post(`${stack['service-b']}/api/process`, ORDER, {
        token: renewed.body.access_token as string,
      });
      expect(used.status).toBe(200);

      const forged = await post(`${serviceA}/auth/refresh`, { refresh_token: 'eyJhbGciOiJub25lIn0.e30.' });
      expect(forged.status).toBe(400);
      expect(forged.body).toMatchObject({ error: 'invalid_grant' });
    });
  });

  describe("through service-a's browser login (authorization code + PKCE, server-side session)", () => {
    it('alice logs in on Keycloak; POST /api/chain/user runs the chain as alice', async () => {
      const jar = await logIn(serviceA, 'alice', USERS.alice);
      const res = await request(jar, `${serviceA}/api/chain/user`, { method: 'POST', json: ORDER });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { service_c: { result: number }; hops: Hop[] };
      expect(body.service_c.result).toBe(20);
      const [atB, atC] = body.hops;
      expect(atB).toMatchObject({ preferred_username: 'alice', azp: 'service-a', aud: ['service-b'] });
      expect(atC).toMatchObject({
        sub: atB.sub,
        preferred_username: 'alice',
        azp: 'service-b',
        aud: ['service-c'],
      });
      expectOneScopePerHop(body.hops, 'user');
    });

    it('the browser holds only an httpOnly SameSite=Lax cookie, renewed at login (no session fixation)', async () => {
      const jar = new CookieJar();
      const { callbackUrl } = await loginUntilCallback(jar, serviceA, 'alice', USERS.alice);
      const before = jar.get(serviceA, 's2s_session');
      expect(before).toMatch(/^[\w-]{43}$/);
      const done = await request(jar, callbackUrl);
      expect(done.status).toBe(303);
      expect(done.headers.get('location')).toBe('/');
      const after = jar.get(serviceA, 's2s_session');
      expect(after).toMatch(/^[\w-]{43}$/);
      expect(after).not.toBe(before);
      const lines = jar.setCookieLines.get(new URL(serviceA).host) ?? [];
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        expect(line).toMatch(/; HttpOnly/i);
        expect(line).toMatch(/; SameSite=Lax/i);
        expect(line).not.toMatch(/eyJ/); // never a token in a cookie
      }
      // The pre-login session id no longer opens anything.
      const stale = await fetch(`${serviceA}/api/chain/user`, {
        method: 'POST',
        headers: { cookie: `s2s_session=${before}`, 'content-type': 'application/json' },
        body: JSON.stringify(ORDER),
      });
      expect(stale.status).toBe(401);
    });

    it('bob logs in but service-b refuses him: 403 with the reason, relayed by service-a', async () => {
      const jar = await logIn(serviceA, 'bob', USERS.bob);
      const res = await request(jar, `${serviceA}/api/chain/user`, { method: 'POST', json: ORDER });
      expect(res.status).toBe(403);
      const body = (await res.json()) as { error: string; message: string };
      expect(body.error).toBe('forbidden');
      expect(body.message).toContain('requires role orders-user');
    });

    it('without a session the user chain is 401 login_required', async () => {
      const res = await post(`${serviceA}/api/chain/user`, ORDER);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: 'login_required' });
    });

    it("a POST from another site's page is refused (Origin check), even with alice's cookie", async () => {
      const jar = await logIn(serviceA, 'alice', USERS.alice);
      const res = await request(jar, `${serviceA}/api/chain/user`, {
        method: 'POST',
        json: ORDER,
        headers: { origin: 'http://attacker.test' },
      });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: 'cross_origin_request' });
      const sameSite = await request(jar, `${serviceA}/api/chain/user`, {
        method: 'POST',
        json: ORDER,
        headers: { origin: new URL(serviceA).origin },
      });
      expect(sameSite.status).toBe(200);
    });

    it('a callback with a tampered state is refused and logs nobody in', async () => {
      const jar = new CookieJar();
      const { callbackUrl } = await loginUntilCallback(jar, serviceA, 'alice', USERS.alice);
      const tampered = new URL(callbackUrl);
      tampered.searchParams.set('state', 'not-the-state-we-sent');
      const res = await request(jar, tampered.href);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await res.text()).toContain('Login failed');
      const chain = await request(jar, `${serviceA}/api/chain/user`, { method: 'POST', json: ORDER });
      expect(chain.status).toBe(401);
    });

    it('a callback replayed after the login is refused (the pending login is used once)', async () => {
      const jar = new CookieJar();
      const { callbackUrl } = await loginUntilCallback(jar, serviceA, 'alice', USERS.alice);
      const preLogin = jar.clone();
      expect((await request(jar, callbackUrl)).status).toBe(303);
      const replay = await request(preLogin, callbackUrl);
      expect(replay.status).toBe(400);
      expect(await replay.text()).toContain('not started here or has expired');
    });

    it('logout ends the session here and sends the browser to Keycloak to end it there', async () => {
      const jar = await logIn(serviceA, 'alice', USERS.alice);
      const old = jar.clone();
      const res = await request(jar, `${serviceA}/auth/logout`, { method: 'POST', form: {} });
      expect(res.status).toBe(303);
      const endSession = new URL(location(res, serviceA));
      expect(endSession.pathname).toBe('/realms/s2s/protocol/openid-connect/logout');
      expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${serviceA}/`);
      expect(claimsOf(endSession.searchParams.get('id_token_hint')!)).toMatchObject({
        typ: 'ID',
        azp: 'service-a',
      });
      // Keycloak ends its session and returns to service-a's page.
      const back = await request(jar, endSession.href);
      expect(back.status).toBe(302);
      expect(location(back, endSession.href)).toBe(`${serviceA}/`);
      // The old cookie opens nothing any more.
      const after = await request(old, `${serviceA}/api/chain/user`, { method: 'POST', json: ORDER });
      expect(after.status).toBe(401);
    });
  });
});

import type KcAdminClient from '@keycloak/keycloak-admin-client';
import { clientAssertionForm } from './support/client-keys';
import { post } from './support/http';
import {
  adminClient,
  KEYCLOAK_URL,
  REALM,
  serviceToken,
  SIGNED_JWT,
  stacks,
  tokenFrom,
  tokenUrl,
  USERS,
} from './support/keycloak';
import { ServiceBRig, startServiceBRig } from './security/support/service-b-rig';

// Keycloak Authorization Services against the real Keycloak: service-b is the resource server of realm-export.json
// (resource `order`, scopes read/approve; alice through her role, service-a's service account through an aggregate
// policy, bob nothing), and POST /api/orders/:id/approve requires `order#approve`. service-b runs as its own
// process here, reaching Keycloak through a counting proxy, so each case counts the UMA grants Keycloak got
// (the proxy's `token_other`: neither client credentials nor exchange) and can take Keycloak away.

/** Seconds a decision is reused: short, so a policy changed at Keycloak applies within the test. */
const DECISION_TTL_SEC = 3;
const INSUFFICIENT =
  /^Bearer realm="s2s", error="insufficient_scope", error_description="the permission this route requires is not granted", resource_metadata="[^"]+"$/;

/** service-b of its own, between a counting stand-in for service-c and a counting proxy to Keycloak. */
let rig: ServiceBRig;
let admin: KcAdminClient;

/** An access token of `user` obtained by service-a (the delegated case: azp service-a, aud service-b). */
function userToken(user: keyof typeof USERS): Promise<string> {
  return tokenFrom('service-a', SIGNED_JWT['service-a'], {
    grant_type: 'password',
    username: user,
    password: USERS[user],
  });
}

/** The UMA grants Keycloak received so far. */
const umaCalls = () => rig.keycloak.counts().token_other;

function approve(token: string, id = 9876) {
  return post(`${rig.serviceB.url}/api/orders/${id}/approve`, {}, { token });
}

/** The value of one of service-b's Prometheus samples (`name{labels}`), 0 when absent. */
async function metric(sample: string): Promise<number> {
  const text = await (await fetch(`${rig.serviceB.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** service-b's Prometheus count of decisions with `outcome` and `source`. */
function decisions(outcome: string, source: string): Promise<number> {
  return metric(`keycloak_authz_decisions_total{outcome="${outcome}",source="${source}"}`);
}

beforeAll(async () => {
  admin = await adminClient();
});

/** A UMA grant sent by service-b straight to Keycloak (no proxy), for the answers the library relies on. */
async function umaGrant(fields: Record<string, string | string[]>) {
  const form = new URLSearchParams(await clientAssertionForm('service-b', `${KEYCLOAK_URL}/realms/${REALM}`));
  form.set('grant_type', 'urn:ietf:params:oauth:grant-type:uma-ticket');
  form.set('audience', 'service-b');
  for (const [name, value] of Object.entries(fields))
    for (const one of typeof value === 'string' ? [value] : value) form.append(name, one);
  const res = await fetch(tokenUrl(), { method: 'POST', body: form });
  return { status: res.status, body: (await res.json()) as unknown };
}

// What nest-keycloak-s2s/authz reads from Keycloak's answers (client/uma-decision.client.ts): if Keycloak changes
// one of them, this fails before the library misreads it.
describe("Keycloak's answers to the UMA grant (26.7)", () => {
  it('decision mode: {"result": true} when granted, 403 access_denied when not', async () => {
    const fields = { permission: 'order#approve', response_mode: 'decision' };
    expect(await umaGrant({ ...fields, subject_token: await userToken('alice') })).toEqual({
      status: 200,
      body: { result: true },
    });
    expect(await umaGrant({ ...fields, subject_token: await userToken('bob') })).toEqual({
      status: 403,
      body: { error: 'access_denied', error_description: 'not_authorized' },
    });
  });

  it('an unknown resource or scope: 400 invalid_resource / invalid_scope', async () => {
    const subject_token = await userToken('alice');
    const ask = (permission: string) => umaGrant({ permission, response_mode: 'decision', subject_token });
    expect(await ask('no-such-resource#read')).toMatchObject({
      status: 400,
      body: { error: 'invalid_resource' },
    });
    expect(await ask('order#no-such-scope')).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
  });

  it('permissions mode: the granted ones by name, an unknown one left out silently', async () => {
    const res = await umaGrant({
      permission: ['order#approve', 'no-such-resource#read'],
      response_mode: 'permissions',
      subject_token: await userToken('alice'),
    });
    expect(res).toMatchObject({ status: 200, body: [{ rsname: 'order', scopes: ['approve'] }] });
  });

  it('a subject token Keycloak does not accept: 400 unauthorized_client "Invalid identity" (not a client refusal)', async () => {
    const token = await userToken('alice');
    expect(
      await umaGrant({ permission: 'order#approve', response_mode: 'decision', subject_token: `${token}x` }),
    ).toEqual({ status: 400, body: { error: 'unauthorized_client', error_description: 'Invalid identity' } });
  });

  it('pushed claims (claim_token, base64url JSON) are accepted', async () => {
    const claim_token = Buffer.from(JSON.stringify({ 'http.method': ['POST'] })).toString('base64url');
    const res = await umaGrant({
      permission: 'order#approve',
      response_mode: 'decision',
      subject_token: await userToken('alice'),
      claim_token,
      claim_token_format: 'urn:ietf:params:oauth:token-type:jwt',
    });
    expect(res).toEqual({ status: 200, body: { result: true } });
  });
});

describe.each(['jwt', 'introspection'] as const)(
  'POST /api/orders/:id/approve (%s mode): order#approve decided by Keycloak',
  (mode) => {
    beforeAll(async () => {
      rig = await startServiceBRig(mode, { AUTHZ_DECISION_TTL: String(DECISION_TTL_SEC) });
    }, 120_000);
    afterAll(() => rig?.stop());

    it('alice (orders-user, delegated through service-a) is allowed: one UMA call, then none (cached)', async () => {
      const token = await userToken('alice');
      const before = umaCalls();
      const res = await approve(token);
      expect(res).toMatchObject({ status: 200, body: { service_b: 'Order 9876 approved by Service B' } });
      expect(res.body.hop).toMatchObject({ preferred_username: 'alice', azp: 'service-a' });
      expect(umaCalls() - before).toBe(1);
      for (let i = 0; i < 5; i++) expect((await approve(token, 100 + i)).status).toBe(200);
      expect(umaCalls() - before).toBe(1);
      expect(await decisions('allowed', 'cache')).toBeGreaterThanOrEqual(5);
    });

    it('bob (no role, also through service-a) is denied: 403 insufficient_scope naming no resource; the denial is cached', async () => {
      const token = await userToken('bob');
      const before = umaCalls();
      const res = await approve(token);
      expect(res).toMatchObject({
        status: 403,
        body: { statusCode: 403, error: 'insufficient_scope', code: 'permission_denied' },
      });
      expect(res.wwwAuthenticate).toMatch(INSUFFICIENT);
      expect(umaCalls() - before).toBe(1);
      expect((await approve(token)).status).toBe(403);
      expect(umaCalls() - before).toBe(1);
      expect(await decisions('denied', 'keycloak')).toBeGreaterThanOrEqual(1);
    });

    it("service-a as a service (its service account's client-credentials token) is allowed", async () => {
      const before = umaCalls();
      const res = await approve(await serviceToken('service-a'));
      expect(res).toMatchObject({ status: 200 });
      expect(res.body.hop).toMatchObject({
        azp: 'service-a',
        preferred_username: 'service-account-service-a',
      });
      expect(umaCalls() - before).toBe(1);
    });

    it("a token the authentication guard refuses (service-b's own: not meant for it, no orders.read) costs no decision", async () => {
      const before = umaCalls();
      const res = await approve(await serviceToken('service-b'));
      expect([401, 403]).toContain(res.status);
      expect(res.body.code).not.toBe('permission_denied');
      expect(umaCalls() - before).toBe(0);
    });

    it('a forged token (alice’s with its signature broken) gets 401 and Keycloak is not asked', async () => {
      const token = await userToken('alice');
      const forged = `${token.slice(0, -8)}AAAAAAAA`;
      const before = rig.keycloak.counts();
      const res = await approve(forged);
      expect(res.status).toBe(401);
      expect(res.wwwAuthenticate).toMatch(/error="invalid_token"/);
      expect(rig.keycloak.counts().token_other).toBe(before.token_other);
      expect(rig.keycloak.counts().introspection).toBe(before.introspection);
    });

    it('100 concurrent requests with one new token make one UMA call', async () => {
      const token = await userToken('alice');
      const before = umaCalls();
      const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => approve(token, i + 1)));
      expect(answers.map((a) => a.status)).toEqual(Array(100).fill(200));
      expect(umaCalls() - before).toBe(1);
    });

    it('service-a calls it as itself through its own API route (the page button’s call)', async () => {
      const res = await post(`${stacks().jwt['service-a']}/api/orders/42/approve`, {});
      expect(res).toMatchObject({ status: 200, body: { service_b: 'Order 42 approved by Service B' } });
    });

    it('a policy changed at run time through the admin API: allowed → denied within the TTL, and back', async () => {
      const [client] = await admin.clients.find({ clientId: 'service-b' });
      const [permission] = await admin.clients.findPermissions({ id: client.id!, name: 'approve orders' });
      const where = { id: client.id!, type: 'scope', permissionId: permission.id! };
      const rep = await admin.clients.findOnePermission(where);
      const policies = await admin.clients.getAssociatedPolicies({
        id: client.id!,
        permissionId: permission.id!,
      });
      const serviceOnly = policies.filter((p) => p.name === 'service-a as a service').map((p) => p.id!);
      expect(serviceOnly).toHaveLength(1);
      const token = await userToken('alice');
      expect((await approve(token)).status).toBe(200);
      try {
        await admin.clients.updatePermission(where, { ...rep, policies: serviceOnly });
        // Still allowed from the cache until the decision's TTL is over, then Keycloak's new answer applies.
        expect((await approve(token)).status).toBe(200);
        await new Promise((r) => setTimeout(r, DECISION_TTL_SEC * 1000 + 500));
        const before = umaCalls();
        const res = await approve(token);
        expect(res.status).toBe(403);
        expect(res.wwwAuthenticate).toMatch(INSUFFICIENT);
        expect(umaCalls() - before).toBe(1);
        // Why the library asks a permission of several scopes in permissions mode: Keycloak's decision mode says yes
        // when any scope is granted; the permissions answer lists the granted scopes one by one.
        const both = { permission: 'order#read,approve', subject_token: token };
        expect(await umaGrant({ ...both, response_mode: 'decision' })).toEqual({
          status: 200,
          body: { result: true },
        });
        expect(await umaGrant({ ...both, response_mode: 'permissions' })).toMatchObject({
          status: 200,
          body: [{ rsname: 'order', scopes: ['read'] }],
        });
      } finally {
        await admin.clients.updatePermission(where, { ...rep, policies: policies.map((p) => p.id!) });
      }
      expect((await approve(await userToken('alice'))).status).toBe(200);
    }, 60_000);

    // Last: Keycloak goes away for good (the proxy in front of it stops).
    it('Keycloak unreachable: 503 idp_unavailable for a token not decided yet, nothing allowed', async () => {
      const alice = await userToken('alice');
      const serviceA = await serviceToken('service-a');
      await rig.keycloak.stop();
      for (const token of [alice, serviceA]) {
        const res = await approve(token);
        expect(res.status).toBe(503);
        expect(res.body).toMatchObject({ error: 'idp_unavailable', code: 'idp_unavailable' });
        expect(res.wwwAuthenticate).toBeNull();
      }
      expect(rig.serviceC.calls()).toBe(0);
      // jwt mode verifies the tokens locally, so it is the decision that cannot be made; introspection mode cannot
      // even authenticate them. Either way 503, and nothing allowed.
      if (mode === 'jwt') expect(await decisions('unavailable', 'keycloak')).toBeGreaterThanOrEqual(2);
      else
        expect(
          await metric('keycloak_auth_requests_total{mode="introspection",outcome="idp_unavailable"}'),
        ).toBeGreaterThanOrEqual(2);
    });
  },
);

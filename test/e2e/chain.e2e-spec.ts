import { claimsOf, serviceToken, stacks } from './support/keycloak';
import { post } from './support/http';
import { expectOneScopePerHop } from './support/least-privilege';

interface Hop {
  service: string;
  sub: string;
  preferred_username?: string;
  azp: string;
  aud: string[];
  scope: string;
  exp: number;
}

describe.each(['jwt', 'introspection'] as const)(
  'the A→B→C chain with real Keycloak tokens (%s mode)',
  (mode) => {
    const stack = stacks()[mode];

    it('GET /run-service-b answers with service-b and service-c results, result = 2 × the default value 10', async () => {
      const res = await fetch(`${stack['service-a']}/run-service-b`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { service_b: string; service_c: unknown };
      expect(body.service_b).toBe('Order 9876 processed by Service B');
      expect(body.service_c).toEqual({ result: 20, msg: 'Service C successfully processed request' });
    });

    it('POST /api/chain computes on the value it is given', async () => {
      const res = await post(`${stack['service-a']}/api/chain`, { order_id: 42, amount: 12.5, value: 7 });
      expect(res.status).toBe(200);
      expect(res.body.service_b).toBe('Order 42 processed by Service B');
      expect(res.body.service_c).toEqual({ result: 14, msg: 'Service C successfully processed request' });
    });

    it('each hop saw a token meant for it: B sees service-a as azp, C sees the same subject with azp service-b', async () => {
      const res = await post(`${stack['service-a']}/api/chain`, { order_id: 9876, amount: 1500 });
      expect(res.status).toBe(200);
      const [atB, atC] = res.body.hops as Hop[];
      const serviceAccountOfA = claimsOf(await serviceToken('service-a')).sub;

      expect(atB.azp).toBe('service-a');
      expect(atB.sub).toBe(serviceAccountOfA);

      expect(atC.azp).toBe('service-b');
      // Delegation kept: the exchanged token's subject is still service-a's service account.
      expect(atC.sub).toBe(serviceAccountOfA);
      expect(atC.preferred_username).toBe('service-account-service-a');
      expect(atC.exp).toBeGreaterThan(Date.now() / 1000);
    });

    it("one scope per hop: service-b sees aud service-b with orders.read, service-c aud service-c with analytics.run and profile, nothing of service-b's own orders.approve / inventory.adjust", async () => {
      const res = await post(`${stack['service-a']}/api/chain`, { order_id: 9876, amount: 1500 });
      expect(res.status).toBe(200);
      expectOneScopePerHop(res.body.hops as Hop[], 'service');
    });

    it("POST /api/quote: service-a calls service-b's DPoP-only route with a DPoP-bound client-credentials token", async () => {
      const res = await post(`${stack['service-a']}/api/quote`, { order_id: 7, amount: 99 });
      expect(res.status).toBe(200);
      expect(res.body.service_b).toBe('Order 7 quoted by Service B: 99');
      expect(res.body.hop).toMatchObject({ service: 'service-b', azp: 'service-a', aud: ['service-b'] });
    });

    it("service-b's quote route refuses service-a's token sent as a bearer token: it requires DPoP", async () => {
      const res = await post(
        `${stack['service-b']}/api/quote`,
        { order_id: 7, amount: 99 },
        { token: await serviceToken('service-a') },
      );
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('dpop_required');
    });

    it('never returns a raw token in the chain answer', async () => {
      const res = await post(`${stack['service-a']}/api/chain`, { order_id: 1, amount: 1 });
      expect(JSON.stringify(res.body)).not.toMatch(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\./);
    });
  },
);

import {
  callsBetween,
  type CountingProxy,
  startCountingProxy,
} from '../../bench/keycloak-proxy/counting-proxy';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFederatedRealm, type FederatedRealm } from './support/federated-realm';
import { post } from './support/http';
import { KEYCLOAK_URL } from './support/keycloak';
import { recordTokens } from './support/service-logs';
import { RunningService, startService } from './support/service-process';
import { startWorkloadIssuer, type WorkloadIssuer } from './support/workload-issuer';

const NAMES = ['service-a', 'service-b', 'service-c'] as const;
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

interface Grant {
  status: number;
  error?: string;
  description?: string;
  accessToken?: string;
}

/**
 * Federated client authentication ("Signed JWT – Federated", deploy/'s way) against the real Keycloak: a throw-away
 * realm made of realm-export.json and deploy/realm-kubernetes.json, whose Kubernetes identity provider trusts a
 * loopback stand-in for a cluster's token issuer. The services hold no secret and no key: each reads a token that
 * issuer signed for its service account from a file, as a pod reads its projected service-account token.
 */
describe('federated client authentication: workload tokens instead of client secrets', () => {
  let cluster: WorkloadIssuer;
  let stranger: WorkloadIssuer;
  let realm: FederatedRealm;
  let dir: string;
  /** Keycloak as service-b reaches it, calls counted: shows which refusals never reach Keycloak. */
  let keycloakOfB: CountingProxy;
  const services: Partial<Record<(typeof NAMES)[number], RunningService>> = {};

  const fileOf = (name: string) => join(dir, `${name}.token`);
  const workloadToken = (name: string, claims: { expiresInSec?: number; issuedAtSec?: number } = {}) =>
    cluster.token({ sub: realm.subjectOf(name), aud: realm.issuer, ...claims });
  /** Replaces the file the way the kubelet does: a new file renamed over the old one. */
  const writeToken = (name: string, token: string) => {
    writeFileSync(`${fileOf(name)}.new`, token);
    renameSync(`${fileOf(name)}.new`, fileOf(name));
  };
  /** A client-credentials grant at the realm authenticated by `assertion` alone. */
  const grant = async (assertion: string, clientId = 'service-a'): Promise<Grant> => {
    const res = await fetch(`${realm.issuer}/protocol/openid-connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_assertion_type: JWT_BEARER,
        client_assertion: assertion,
      }),
    });
    const body = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
    recordTokens(body.access_token);
    return {
      status: res.status,
      error: body.error,
      description: body.error_description,
      accessToken: body.access_token,
    };
  };
  /** How many requests service-c answered on /api/compute so far (its own metrics). */
  const computeCalls = async () => {
    const text = await (await fetch(`${services['service-c']!.url}/metrics`)).text();
    return text
      .split('\n')
      .filter(
        (l) => l.startsWith('http_request_duration_seconds_count{') && l.includes('route="/api/compute"'),
      )
      .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
  };

  beforeAll(async () => {
    [cluster, stranger] = await Promise.all([startWorkloadIssuer(), startWorkloadIssuer()]);
    realm = await createFederatedRealm(cluster.issuer);
    dir = mkdtempSync(join(tmpdir(), 'federated-e2e-'));
    for (const name of NAMES) writeToken(name, await workloadToken(name));
    const env = (name: string) => ({
      KEYCLOAK_URL,
      KEYCLOAK_REALM: realm.realm,
      CLIENT_ID: name,
      CLIENT_AUTH_METHOD: 'federated_jwt',
      CLIENT_ASSERTION_FILE: fileOf(name),
      CLIENT_SECRET: '',
    });
    // Every call a service makes to Keycloak is authenticated by its file: introspection (b, c), exchange (b),
    // client credentials (a).
    services['service-c'] = await startService('service-c', {
      ...env('service-c'),
      AUTH_MODE: 'introspection',
    });
    keycloakOfB = await startCountingProxy(KEYCLOAK_URL);
    services['service-b'] = await startService('service-b', {
      ...env('service-b'),
      KEYCLOAK_URL: keycloakOfB.url,
      KEYCLOAK_ISSUER: realm.issuer,
      // The proxy presents Keycloak its own host: the exchange's DPoP proof names the endpoint as Keycloak sees it.
      KEYCLOAK_DPOP_HTU: 'issuer',
      AUTH_MODE: 'introspection',
      SERVICE_C_URL: services['service-c'].url,
    });
    services['service-a'] = await startService('service-a', {
      ...env('service-a'),
      AUTH_MODE: 'jwt',
      SERVICE_B_URL: services['service-b'].url,
    });
  }, 180_000);

  afterAll(async () => {
    await Promise.all(Object.values(services).map((s) => s?.stop()));
    await realm?.remove().catch(() => undefined);
    await Promise.all([cluster?.stop(), stranger?.stop(), keycloakOfB?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs the chain A → B (introspection, exchange) → C (introspection) on workload tokens alone', async () => {
    const res = await post(`${services['service-a']!.url}/api/chain`, { order_id: 7, amount: 3, value: 21 });
    expect(res.status).toBe(200);
    expect(res.body.service_c).toEqual({ result: 42, msg: 'Service C successfully processed request' });
    const [atB, atC] = res.body.hops as { azp: string; aud: string[]; scope: string }[];
    expect(atB).toMatchObject({ azp: 'service-a' });
    expect(atB.aud).toContain('service-b');
    expect(atC).toMatchObject({ azp: 'service-b', aud: ['service-c'] });
    expect(atC.scope.split(' ')).toContain('analytics.run');
  });

  it.each(NAMES)(
    '%s: is a federated-jwt client of the cluster issuer, and a client secret no longer works',
    async (name) => {
      const [client] = await realm.admin.clients.find({ clientId: name });
      expect(client.clientAuthenticatorType).toBe('federated-jwt');
      expect(client.attributes).toMatchObject({
        'jwt.credential.issuer': 'kubernetes',
        'jwt.credential.sub': `system:serviceaccount:keycloak-s2s:${name}`,
      });
      // Keycloak still keeps a secret for every confidential client: it is no credential of this one any more.
      const stored = (await realm.admin.clients.getClientSecret({ id: client.id! })).value!;
      expect(stored).toMatch(/^.{16,}$/);
      const res = await fetch(`${realm.issuer}/protocol/openid-connect/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: name,
          client_secret: stored,
        }),
      });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
    },
  );

  it('accepts one workload token many times (a pod reuses it until the kubelet refreshes it); the JWKS is fetched once', async () => {
    const token = await workloadToken('service-a');
    const first = await grant(token);
    const fetched = cluster.jwksRequests();
    const second = await grant(token);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(first.accessToken).toMatch(/^eyJ/);
    expect(second.accessToken).toMatch(/^eyJ/);
    expect(fetched).toBeGreaterThanOrEqual(1);
    expect(cluster.jwksRequests()).toBe(fetched);
  });

  it.each([
    [
      'signed by an issuer the realm does not trust',
      401,
      () => stranger.token({ sub: realm.subjectOf('service-a'), aud: realm.issuer }),
    ],
    ['expired', 400, () => workloadToken('service-a', { issuedAtSec: -600, expiresInSec: -30 })],
    [
      'for another service account',
      401,
      () => cluster.token({ sub: 'system:serviceaccount:keycloak-s2s:intruder', aud: realm.issuer }),
    ],
    [
      'claiming the trusted issuer but signed with another key',
      401,
      () => stranger.token({ iss: cluster.issuer, sub: realm.subjectOf('service-a'), aud: realm.issuer }),
    ],
    [
      'for another audience (the demo realm)',
      400,
      () => cluster.token({ sub: realm.subjectOf('service-a'), aud: `${KEYCLOAK_URL}/realms/s2s` }),
    ],
    [
      'issued more than an hour ago, though unexpired',
      400,
      () => workloadToken('service-a', { issuedAtSec: -3700, expiresInSec: 600 }),
    ],
  ])('refuses a token %s: %i invalid_client, no token issued', async (_case, status, token) => {
    const refused = await grant(await token());
    expect(refused).toMatchObject({ status, error: 'invalid_client', accessToken: undefined });
  });

  it('reads the file at every call: a token written mid-run is used, an expired or untrusted one is never sent on', async () => {
    const serviceB = `${services['service-b']!.url}/api/process`;
    // A new service-a token per call: service-b has not introspected it yet, so it must authenticate anew.
    const freshCall = async () => {
      const { accessToken } = await grant(await workloadToken('service-a'));
      return post(serviceB, { order_id: 1, amount: 1 }, { token: accessToken });
    };
    expect((await freshCall()).status).toBe(200);

    for (const [bad, introspections] of [
      // Expired: refused by the library itself, Keycloak never sees it.
      [await workloadToken('service-b', { issuedAtSec: -600, expiresInSec: -1 }), 0],
      // Of an issuer the realm does not trust: sent, and refused by Keycloak (invalid_client).
      [await stranger.token({ sub: realm.subjectOf('service-b'), aud: realm.issuer }), 1],
    ] as const) {
      writeToken('service-b', bad);
      const before = await computeCalls();
      const keycloakBefore = keycloakOfB.counts();
      const res = await freshCall();
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('idp_rejected_client');
      expect(res.wwwAuthenticate).toBeNull();
      expect(await computeCalls()).toBe(before);
      const calls = callsBetween(keycloakBefore, keycloakOfB.counts());
      expect(calls).toMatchObject({ introspection: introspections, token_exchange: 0 });
    }

    writeToken('service-b', await workloadToken('service-b'));
    const before = await computeCalls();
    expect((await freshCall()).status).toBe(200);
    expect(await computeCalls()).toBe(before + 1);
  });
});

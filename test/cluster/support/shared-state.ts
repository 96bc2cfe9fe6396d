import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { request } from 'undici';
import type { DpopProofMaker, DpopRequestHeaders } from 'nest-keycloak-s2s/dpop';
import { logIn } from '../../e2e/support/bff';
import { clientAssertionForm } from '../../e2e/support/client-keys';
import { adminClient, temporaryUser } from '../../e2e/support/keycloak';
import { recordTokens } from '../../e2e/support/service-logs';
import type { Cluster } from './cluster';

// What the cluster job sends to show that the replicas share one state of their security checks (Redis): tokens
// from the cluster's Keycloak, and requests to one replica at a time, under the address callers use (HAProxy's).

const ROOT = join(__dirname, '..', '..', '..');

/** An access token of the cluster's realm as `clientId`, signed in with that service's cluster key (`.keys/<id>`). */
export async function clusterToken(
  cluster: Cluster,
  clientId: string,
  form: Record<string, string>,
  key?: DpopProofMaker,
): Promise<string> {
  const issuer = `${cluster.urls.keycloak}/realms/s2s`;
  const url = `${issuer}/protocol/openid-connect/token`;
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (key) headers.dpop = await key.proof('POST', url);
  const assertion = await clientAssertionForm(clientId, issuer, {}, join(ROOT, '.keys', clientId));
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body: new URLSearchParams({ ...assertion, ...form }),
  });
  const answer = (await res.json()) as { access_token?: string; error?: string };
  if (typeof answer.access_token !== 'string')
    throw new Error(`token request as ${clientId}: ${res.status} ${answer.error}`);
  recordTokens(answer.access_token);
  return answer.access_token;
}

/** service-a's client-credentials token exchanged by service-b for service-c, bound to `key`: what the chain sends. */
export async function boundTokenForServiceC(cluster: Cluster, key: DpopProofMaker): Promise<string> {
  const subject = await clusterToken(cluster, 'service-a', { grant_type: 'client_credentials' });
  return clusterToken(
    cluster,
    'service-b',
    {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: subject,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      audience: 'service-c',
      scope: 'analytics.run service-c-audience',
    },
    key,
  );
}

/** An answer as the checks read it. */
export interface Answer {
  status: number;
  code?: string;
  challenge?: string;
  retryAfter?: string;
}

/**
 * POSTs `body` to `path` at `target` (a replica, or the frontend) under the frontend's Host, the address a DPoP
 * proof names: every replica sees the request as callers address it.
 */
export async function postAs(
  frontend: string,
  target: string,
  path: string,
  headers: DpopRequestHeaders | Record<string, string>,
  body: unknown,
): Promise<Answer> {
  const res = await request(`${target}${path}`, {
    method: 'POST',
    headers: { ...headers, host: new URL(frontend).host, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  let code: string | undefined;
  try {
    const parsed = JSON.parse(text) as { code?: unknown; error?: unknown };
    code =
      typeof parsed.code === 'string'
        ? parsed.code
        : typeof parsed.error === 'string'
          ? parsed.error
          : undefined;
  } catch {
    code = undefined;
  }
  const header = (name: string) => {
    const value = res.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  return {
    status: res.statusCode,
    code,
    challenge: header('www-authenticate'),
    retryAfter: header('retry-after'),
  };
}

/** HAProxy's answers per Keycloak node and per replica, one line per tier. */
export async function describeServers(cluster: Cluster): Promise<string> {
  const stats = await cluster.serverStats();
  return Object.entries(stats)
    .map(
      ([tier, servers]) =>
        `${tier}: ${Object.entries(servers)
          .map(([s, n]) => `${s} ${n}`)
          .join(', ')}`,
    )
    .join('; ');
}

/**
 * The logout token Keycloak posts when a throw-away user logged in through service-a is logged out: service-a's
 * client is pointed at a local catcher for that moment (then back), so the token can be sent to each replica.
 */
export async function catchLogoutToken(cluster: Cluster): Promise<string> {
  const admin = await adminClient(cluster.urls.keycloak);
  const [client] = await admin.clients.find({ clientId: 'service-a' });
  const caught: string[] = [];
  const catcher = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const token = new URLSearchParams(body).get('logout_token');
      if (token) caught.push(token);
      res.end();
    });
  });
  await new Promise<void>((resolve) => catcher.listen(0, '127.0.0.1', resolve));
  const { port } = catcher.address() as AddressInfo;
  const password = randomBytes(16).toString('hex');
  const username = `logout-${Date.now()}`;
  const user = await temporaryUser(admin, username, password);
  try {
    const attributes = { ...client.attributes, 'backchannel.logout.url': `http://127.0.0.1:${port}/` };
    await admin.clients.update({ id: client.id! }, { ...client, attributes });
    await logIn(cluster.urls['service-a'], username, password);
    await admin.users.logout({ id: user.id });
    for (const began = Date.now(); caught.length === 0 && Date.now() - began < 10_000;)
      await new Promise((resolve) => setTimeout(resolve, 100));
  } finally {
    await admin.clients.update({ id: client.id! }, client);
    await user.remove();
    catcher.close();
  }
  if (caught.length === 0) throw new Error('Keycloak posted no logout token');
  recordTokens(caught[0]);
  return caught[0];
}

import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { benchAdmin } from '../keycloak-admin';

/** The realm the benchmark runs against (realm-export.json). */
export const REALM = 's2s';
/** The confidential client every app authenticates to Keycloak as (introspection): made at the start of a run. */
export const PEERS_CLIENT = 'bench-peers';
/** A throw-away client whose tokens name another audience (service-c). */
const OTHER_AUDIENCE_CLIENT = 'bench-peers-other-audience';
/** A throw-away client whose tokens are for service-b and the bench client, but hold no permission. */
const DENIED_CLIENT = 'bench-peers-denied';
/** A throw-away client whose tokens live a few seconds, for the expired-token check. */
const SHORT_LIVED_CLIENT = 'bench-peers-short-lived';
/** Seconds of life of the short-lived client's tokens (Keycloak's `access.token.lifespan` client attribute). */
export const SHORT_LIFESPAN_SEC = 5;
/** The audience mapper put on service-a for the run. */
const AUDIENCE_MAPPER = 'bench-peers-audience';

/** A token Keycloak issued, and when it expires (epoch seconds). */
export interface IssuedToken {
  token: string;
  expiresAt: number;
}

/** What the run needs from the realm: credentials, tokens, and the cleanup. */
export interface PeersRealm {
  clientId: string;
  /** Generated for this run, never written anywhere but the apps' environment. */
  clientSecret: string;
  /** service-a's client-credentials token (aud service-b and the bench client): the token every app is sent. */
  serviceAToken(): Promise<IssuedToken>;
  /** A real token of another client for service-c only. */
  otherAudienceToken(): Promise<IssuedToken>;
  /** A real token for service-b and the bench client that expires after {@link SHORT_LIFESPAN_SEC}. */
  shortLivedToken(): Promise<IssuedToken>;
  /** A real token for service-b and the bench client of a caller the permission does not grant (not service-a). */
  deniedToken(): Promise<IssuedToken>;
  /** Deletes the clients and the mapper, and gives service-a its JWKS URL back. */
  cleanup(): Promise<void>;
}

const adminOf = (keycloakUrl: string) => benchAdmin(keycloakUrl, REALM);

function audienceMapper(name: string, audience: string) {
  return {
    name,
    protocol: 'openid-connect',
    protocolMapper: 'oidc-audience-mapper',
    config: {
      'included.client.audience': audience,
      'access.token.claim': 'true',
      'introspection.token.claim': 'true',
    },
  };
}

/** A key pair for service-a's signed-JWT client authentication, its public half served as a JWKS on loopback. */
async function serviceAKey() {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const kid = randomUUID();
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] });
  const server: Server = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(jwks),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  const assertion = (issuer: string) =>
    new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'ES256', kid })
      .setIssuer('service-a')
      .setSubject('service-a')
      .setAudience(issuer)
      .setIssuedAt()
      .setExpirationTime('60s')
      .sign(privateKey);
  return { url, assertion, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function tokenAt(tokenUrl: string, form: Record<string, string>): Promise<IssuedToken> {
  const res = await fetch(tokenUrl, { method: 'POST', body: new URLSearchParams(form) });
  const body = (await res.json()) as {
    access_token?: string;
    expires_in?: number;
    error_description?: string;
  };
  if (!res.ok || !body.access_token)
    throw new Error(`token request for ${form.client_id} failed: ${res.status} ${body.error_description}`);
  return { token: body.access_token, expiresAt: Math.floor(Date.now() / 1000) + (body.expires_in ?? 0) };
}

/**
 * The bench client as a resource server (Keycloak's Authorization Services): `resource` with `scope`, a client
 * policy granting service-a, and a scope permission `resource#scope` applying it; enforcing, unanimous. The authorization apps require that permission, each library asking Keycloak in its own way.
 */
export function peersResourceServer(resource: string, scope: string) {
  return {
    policyEnforcementMode: 'ENFORCING',
    decisionStrategy: 'UNANIMOUS',
    allowRemoteResourceManagement: false,
    scopes: [{ name: scope }],
    resources: [{ name: resource, ownerManagedAccess: false, scopes: [{ name: scope }] }],
    policies: [
      {
        name: 'service-a client',
        type: 'client',
        logic: 'POSITIVE',
        decisionStrategy: 'UNANIMOUS',
        config: { clients: JSON.stringify(['service-a']) },
      },
      {
        name: `${resource} ${scope}`,
        type: 'scope',
        logic: 'POSITIVE',
        decisionStrategy: 'AFFIRMATIVE',
        config: {
          resources: JSON.stringify([resource]),
          scopes: JSON.stringify([scope]),
          applyPolicies: JSON.stringify(['service-a client']),
        },
      },
    ],
  };
}

/**
 * Prepares the realm on the Keycloak at `keycloakUrl` (admin calls go there directly): the bench client with a
 * secret made now, made a resource server of `permission` ({@link peersResourceServer}), an audience mapper on
 * service-a (Keycloak answers `active: false` to an introspecting client that is not in the token's `aud`), the
 * throw-away clients of the correctness checks, and a key of service-a's served on loopback. Tokens are asked for at `issuerBase` (the counting proxy, whose address is the issuer).
 */
export async function preparePeersRealm(
  keycloakUrl: string,
  issuerBase: string,
  permission: { resource: string; scope: string },
): Promise<PeersRealm> {
  const admin = await adminOf(keycloakUrl);
  const undo: (() => Promise<unknown>)[] = [];
  const issuer = `${issuerBase}/realms/${REALM}`;
  const tokenUrl = `${issuer}/protocol/openid-connect/token`;
  const cleanup = async () => {
    for (const step of undo.reverse()) await step().catch(() => undefined);
  };
  const client = async (clientId: string, extra: Record<string, unknown>) => {
    for (const c of await admin.clients.find({ clientId })) await admin.clients.del({ id: c.id! });
    const secret = randomBytes(24).toString('base64url');
    const { id } = await admin.clients.create({
      clientId,
      secret,
      publicClient: false,
      standardFlowEnabled: false,
      ...extra,
    });
    undo.push(() => admin.clients.del({ id }));
    return { id, secret };
  };
  try {
    // A resource server needs a service account (Keycloak refuses Authorization Services without one).
    const peers = await client(PEERS_CLIENT, {
      serviceAccountsEnabled: true,
      authorizationServicesEnabled: true,
    });
    // The admin client types the modes as enums; the representation's values are their strings.
    type ResourceServer = Parameters<typeof admin.clients.importResource>[1];
    const resourceServer = peersResourceServer(permission.resource, permission.scope);
    await admin.clients.importResource({ id: peers.id }, resourceServer as unknown as ResourceServer);
    const serviceOnly = { serviceAccountsEnabled: true, defaultClientScopes: ['basic', 'roles'] };
    const denied = await client(DENIED_CLIENT, {
      ...serviceOnly,
      protocolMappers: [
        audienceMapper('audience-b', 'service-b'),
        audienceMapper('audience-peers', PEERS_CLIENT),
      ],
    });
    const other = await client(OTHER_AUDIENCE_CLIENT, {
      ...serviceOnly,
      protocolMappers: [audienceMapper('audience', 'service-c')],
    });
    const short = await client(SHORT_LIVED_CLIENT, {
      ...serviceOnly,
      attributes: { 'access.token.lifespan': String(SHORT_LIFESPAN_SEC) },
      protocolMappers: [
        audienceMapper('audience-b', 'service-b'),
        audienceMapper('audience-peers', PEERS_CLIENT),
      ],
    });
    const [serviceA] = await admin.clients.find({ clientId: 'service-a' });
    if (!serviceA?.id) throw new Error(`realm ${REALM} has no client service-a`);
    const serviceAId = serviceA.id;
    const key = await serviceAKey();
    undo.push(key.close);
    const attributes = { ...serviceA.attributes };
    await admin.clients.update(
      { id: serviceAId },
      { ...serviceA, attributes: { ...attributes, 'jwks.url': key.url } },
    );
    undo.push(async () => {
      const now = await admin.clients.findOne({ id: serviceAId });
      await admin.clients.update({ id: serviceAId }, { ...now, attributes });
    });
    for (const m of await admin.clients.listProtocolMappers({ id: serviceAId }))
      if (m.name === AUDIENCE_MAPPER)
        await admin.clients.delProtocolMapper({ id: serviceAId, mapperId: m.id! });
    await admin.clients.addProtocolMapper({ id: serviceAId }, audienceMapper(AUDIENCE_MAPPER, PEERS_CLIENT));
    undo.push(async () => {
      for (const m of await admin.clients.listProtocolMappers({ id: serviceAId }))
        if (m.name === AUDIENCE_MAPPER)
          await admin.clients.delProtocolMapper({ id: serviceAId, mapperId: m.id! });
    });
    const secretGrant = (clientId: string, secret: string) => () =>
      tokenAt(tokenUrl, { grant_type: 'client_credentials', client_id: clientId, client_secret: secret });
    return {
      clientId: PEERS_CLIENT,
      clientSecret: peers.secret,
      serviceAToken: async () =>
        tokenAt(tokenUrl, {
          grant_type: 'client_credentials',
          client_id: 'service-a',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: await key.assertion(issuer),
        }),
      otherAudienceToken: secretGrant(OTHER_AUDIENCE_CLIENT, other.secret),
      shortLivedToken: secretGrant(SHORT_LIVED_CLIENT, short.secret),
      deniedToken: secretGrant(DENIED_CLIENT, denied.secret),
      cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

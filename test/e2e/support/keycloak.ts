import { join } from 'node:path';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { connectAdmin } from '../../../tools/realm-cli/src/admin-connection';
import { readConfig } from '../../../tools/realm-cli/src/config';
import { inject } from 'vitest';
import { clientAssertionForm } from './client-keys';
import { recordTokens } from './service-logs';

/** The realm the e2e tests run against. */
export const REALM = 's2s';
/** Where the e2e setup started (or found) Keycloak (provided by ../global-setup.ts). */
export const KEYCLOAK_URL = inject('e2eKeycloakUrl') ?? 'http://localhost:8080';
/** The token endpoint of `realm` on the e2e Keycloak (or on the Keycloak at `keycloakUrl`). */
export function tokenUrl(realm = REALM, keycloakUrl = KEYCLOAK_URL): string {
  return `${keycloakUrl}/realms/${realm}/protocol/openid-connect/token`;
}

/** How a spec's token request authenticates: a client secret (throw-away clients) or the client's e2e keys. */
export type ClientCredential = string | { signedJwt: true };

/** The realm's service clients hold no secret: they authenticate with a JWT signed by their e2e key. */
export const SIGNED_JWT: Record<string, ClientCredential> = {
  'service-a': { signedJwt: true },
  'service-b': { signedJwt: true },
  'service-c': { signedJwt: true },
};

/** The form fields of `credential` for `clientId` at `realm`. */
export function clientAuthFields(
  clientId: string,
  credential: ClientCredential,
  realm = REALM,
  keycloakUrl = KEYCLOAK_URL,
): Promise<Record<string, string>> {
  if (typeof credential === 'string')
    return Promise.resolve({ client_id: clientId, client_secret: credential });
  return clientAssertionForm(clientId, `${keycloakUrl}/realms/${realm}`);
}

/** The demo realm's users and their dev-only passwords (realm-export.json): alice has orders-user, bob nothing. */
export const USERS = { alice: 'alice-dev-password', bob: 'bob-dev-password' } as const;

/** The URLs of one running chain. */
export interface Stack {
  'service-a': string;
  'service-b': string;
  'service-c': string;
}

declare module 'vitest' {
  /** What the e2e global setup (../global-setup.ts) hands the specs; nothing outside the e2e project. */
  export interface ProvidedContext {
    e2eKeycloakUrl: string | undefined;
    e2eStacks: Record<'jwt' | 'introspection', Stack> | undefined;
  }
}

/** The chains the global setup started, by AUTH_MODE. */
export function stacks(): Record<'jwt' | 'introspection', Stack> {
  const provided = inject('e2eStacks');
  if (!provided)
    throw new Error(
      'no e2e stacks provided: run the e2e tests through vitest (its globalSetup starts the chain)',
    );
  return provided;
}

/** What Keycloak's token endpoint answers: an access token, and for some grants a refresh and an ID token. */
export interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  expires_in: number;
}

/**
 * POSTs a form to `realm`'s token endpoint as `clientId` and returns the whole answer (fails the test otherwise).
 * The tokens' fingerprints are recorded for the log scan at the end of the run.
 */
export async function tokenResponse(
  clientId: string,
  secret: ClientCredential,
  form: Record<string, string>,
  realm = REALM,
  keycloakUrl = KEYCLOAK_URL,
): Promise<TokenResponse> {
  const res = await fetch(tokenUrl(realm, keycloakUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...(await clientAuthFields(clientId, secret, realm, keycloakUrl)), ...form }),
  });
  const body = (await res.json()) as Partial<TokenResponse> & { error_description?: string };
  if (!res.ok || !body.access_token)
    throw new Error(`token request failed: ${res.status} ${body.error_description}`);
  recordTokens(body.access_token, body.refresh_token, body.id_token);
  return body as TokenResponse;
}

/** POSTs a form to the realm's token endpoint as `clientId` and returns the access token (fails the test otherwise). */
export async function tokenFrom(
  clientId: string,
  secret: ClientCredential,
  form: Record<string, string>,
  keycloakUrl = KEYCLOAK_URL,
): Promise<string> {
  return (await tokenResponse(clientId, secret, form, REALM, keycloakUrl)).access_token;
}

/** A real client-credentials token of one of the realm's clients (from the e2e Keycloak unless `keycloakUrl`). */
export function serviceToken(clientId: string, keycloakUrl = KEYCLOAK_URL): Promise<string> {
  return tokenFrom(clientId, SIGNED_JWT[clientId], { grant_type: 'client_credentials' }, keycloakUrl);
}

/** A real RFC 8693 exchange performed by service-b (at the e2e Keycloak unless `keycloakUrl`). */
export function exchangeAsServiceB(
  subjectToken: string,
  scope: string,
  audience = 'service-c',
  keycloakUrl = KEYCLOAK_URL,
): Promise<string> {
  return tokenFrom(
    'service-b',
    SIGNED_JWT['service-b'],
    {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: subjectToken,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      audience,
      scope,
    },
    keycloakUrl,
  );
}

/** The claims of a JWT, decoded without verification (for assertions only). */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

/**
 * An admin client of the e2e Keycloak (or of the one at `baseUrl`) logged in to the master realm with the dev
 * bootstrap admin (scripts/keycloak.mjs), working on the demo realm.
 */
export function adminClient(baseUrl = KEYCLOAK_URL): Promise<KcAdminClient> {
  return connectAdmin(readConfig({ ...process.env, KEYCLOAK_URL: baseUrl }), REALM);
}

/**
 * Creates a throw-away user of the demo realm (any earlier one of that name is removed first) with `password`,
 * e-mail verified, for tests that must never put alice or bob at risk of the realm's brute-force lockout.
 */
export async function temporaryUser(
  admin: KcAdminClient,
  username: string,
  password: string,
): Promise<{ id: string; remove: () => Promise<void> }> {
  for (const u of await admin.users.find({ username, exact: true })) await admin.users.del({ id: u.id! });
  const { id } = await admin.users.create({
    username,
    enabled: true,
    email: `${username}@example.invalid`,
    emailVerified: true,
    firstName: 'Throw',
    lastName: 'Away',
    credentials: [{ type: 'password', value: password, temporary: false }],
  });
  return { id, remove: () => admin.users.del({ id }) };
}

/**
 * Creates a throw-away confidential client with a service account and the given default client scopes (and
 * attributes), for tokens the realm's own clients cannot produce; returns its secret and a cleanup function.
 */
export async function temporaryClient(
  admin: KcAdminClient,
  clientId: string,
  defaultClientScopes: string[],
  attributes: Record<string, string> = {},
): Promise<{ secret: string; remove: () => Promise<void> }> {
  const secret = `${clientId}-secret`;
  const existing = await admin.clients.find({ clientId });
  for (const c of existing) await admin.clients.del({ id: c.id! });
  const { id } = await admin.clients.create({
    clientId,
    secret,
    publicClient: false,
    serviceAccountsEnabled: true,
    standardFlowEnabled: false,
    attributes,
    defaultClientScopes,
  });
  return { secret, remove: () => admin.clients.del({ id }) };
}

/**
 * Points each named client of the demo realm at `<url>/.well-known/jwks.json` (and service-a's back-channel logout
 * URL at `<url>/auth/backchannel-logout`), as the e2e setup does for realm s2s: for a Keycloak of a spec's own,
 * whose imported realm names the dev stack's ports. scripts/stack.mjs's `pointJwksUrls`, which the setup runs.
 */
export async function pointJwksUrls(urls: Record<string, string>, keycloakUrl = KEYCLOAK_URL): Promise<void> {
  const stack = (await import(join(__dirname, '..', '..', '..', 'scripts', 'stack.mjs'))) as {
    pointJwksUrls: (keycloakUrl: string, urls: Record<string, string>) => Promise<void>;
  };
  await stack.pointJwksUrls(keycloakUrl, urls);
}

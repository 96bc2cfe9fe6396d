import { createHash } from 'node:crypto';
import { generateKeyPair } from 'jose';
import { DpopProofMaker } from 'nest-keycloak-s2s/dpop';
import { clientAuthFields, ClientCredential, SIGNED_JWT, tokenUrl } from './keycloak';
import { recordTokens } from './service-logs';

/**
 * A DPoP key of the test's own and the library's proof maker over it: ES256, beside the services' own keys (EdDSA,
 * the library's default), so that Keycloak and service-c are shown both; the attack cases' forged proofs are ES256.
 */
export async function dpopKey(): Promise<DpopProofMaker> {
  return new DpopProofMaker(await generateKeyPair('ES256'));
}

/** What the token endpoint answered, as is. */
export interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * POSTs a form to the realm's token endpoint as `clientId` (its signed JWT, or a throw-away client's secret), with a DPoP proof of `key` when given
 * (RFC 9449 §5). Issued tokens are recorded for the log scan.
 */
export async function tokenRequest(
  clientId: string,
  form: Record<string, string>,
  key?: DpopProofMaker,
  url = tokenUrl(),
  secret: ClientCredential = SIGNED_JWT[clientId],
): Promise<TokenAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (key) headers.dpop = await key.proof('POST', url);
  // The assertion's audience is the realm of the endpoint asked (the fault specs' Keycloak has its own).
  const [, base, realm] = /^(.*)\/realms\/([^/]+)\/protocol\//.exec(url) ?? [];
  const body = new URLSearchParams({ ...(await clientAuthFields(clientId, secret, realm, base)), ...form });
  const res = await fetch(url, { method: 'POST', headers, body });
  const answer = (await res.json()) as Record<string, unknown>;
  if (typeof answer.access_token === 'string') recordTokens(answer.access_token);
  return { status: res.status, body: answer };
}

/** The RFC 8693 form service-b sends (apps/service-b), for `subject`. */
export function exchangeForm(
  subject: string,
  scope = 'analytics.run service-c-audience',
): Record<string, string> {
  return {
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    subject_token: subject,
    subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    audience: 'service-c',
    scope,
  };
}

/** The access token of an answer, or a failure naming what Keycloak said. */
function accessToken(answer: TokenAnswer): string {
  if (answer.status !== 200 || typeof answer.body.access_token !== 'string')
    throw new Error(`token request failed: ${answer.status} ${String(answer.body.error_description)}`);
  return answer.body.access_token;
}

/** A client-credentials token of `clientId` (the realm's, or a throw-away one with `secret`) bound to `key`. */
export async function boundServiceToken(
  clientId: string,
  key: DpopProofMaker,
  secret: ClientCredential = SIGNED_JWT[clientId],
): Promise<string> {
  return accessToken(
    await tokenRequest(clientId, { grant_type: 'client_credentials' }, key, tokenUrl(), secret),
  );
}

/** `subject` (a bearer token) exchanged by service-b for service-c with `key`'s proof: bound to `key`. */
export async function boundExchangeAsServiceB(
  subject: string,
  key: DpopProofMaker,
  scope?: string,
  url = tokenUrl(),
): Promise<string> {
  return accessToken(await tokenRequest('service-b', exchangeForm(subject, scope), key, url));
}

/** RFC 9449 §4.2 `ath`: base64url of the SHA-256 of the access token (computed here, not by the library). */
export function accessTokenHash(token: string): string {
  return createHash('sha256').update(token, 'ascii').digest('base64url');
}

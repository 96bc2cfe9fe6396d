import { generateKeyPair } from 'jose';
import { DpopProofMaker } from 'nest-keycloak-s2s/dpop';
import { systemClock } from 'nest-keycloak-s2s/internal';
import { REALM, SECRETS, tokenUrl, KEYCLOAK_URL } from './keycloak';
import { recordTokens } from './service-logs';

/** A DPoP key of the test's own (ES256) and the library's proof maker over it. */
export async function dpopKey(): Promise<DpopProofMaker> {
  return new DpopProofMaker(await generateKeyPair('ES256'), systemClock);
}

/** What the token endpoint answered, as is. */
export interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * POSTs a form to the realm's token endpoint as `clientId` (HTTP Basic), with a DPoP proof of `key` when given
 * (RFC 9449 §5). Issued tokens are recorded for the log scan.
 */
export async function tokenRequest(
  clientId: string,
  form: Record<string, string>,
  key?: DpopProofMaker,
  url = tokenUrl(),
): Promise<TokenAnswer> {
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    authorization: `Basic ${Buffer.from(`${clientId}:${SECRETS[clientId]}`).toString('base64')}`,
  };
  if (key) headers.dpop = await key.proof('POST', url);
  const res = await fetch(url, { method: 'POST', headers, body: new URLSearchParams(form) });
  const body = (await res.json()) as Record<string, unknown>;
  if (typeof body.access_token === 'string') recordTokens(body.access_token);
  return { status: res.status, body };
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

/** A client-credentials token of `clientId` bound to `key` (token_type DPoP, cnf.jkt). */
export async function boundServiceToken(clientId: string, key: DpopProofMaker): Promise<string> {
  return accessToken(await tokenRequest(clientId, { grant_type: 'client_credentials' }, key));
}

/** `subject` (a bearer token) exchanged by service-b for service-c with `key`'s proof: bound to `key`. */
export async function boundExchangeAsServiceB(
  subject: string,
  key: DpopProofMaker,
  scope?: string,
): Promise<string> {
  return accessToken(await tokenRequest('service-b', exchangeForm(subject, scope), key));
}

/** POSTs JSON to a resource with `Authorization: DPoP` and a proof of `key` (or exactly the headers given). */
export async function postWithDpop(
  url: string,
  token: string,
  key: DpopProofMaker,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown>; challenge: string | null }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await key.headers('POST', url, token)) },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    challenge: res.headers.get('www-authenticate'),
  };
}

/** The realm's issuer on the e2e Keycloak. */
export const ISSUER = `${KEYCLOAK_URL}/realms/${REALM}`;

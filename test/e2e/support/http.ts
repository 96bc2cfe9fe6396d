import type { DpopProofMaker } from 'nest-keycloak-s2s/dpop';
import { recordTokensIn } from './service-logs';

/** An HTTP answer as the e2e tests inspect it. */
export interface Answer {
  status: number;
  body: Record<string, unknown>;
  wwwAuthenticate: string | null;
}

/**
 * POSTs `body` (JSON unless a string with its own content type) with an optional bearer token — or, with `dpop`,
 * the token as a DPoP-bound one with a fresh proof of that key. Tokens in the answer (service-a's `/auth/token`)
 * are recorded for the log scan at the end of the run.
 */
export async function post(
  url: string,
  body: unknown,
  options: { token?: string; authorization?: string; contentType?: string; dpop?: DpopProofMaker } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/json' };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.token !== undefined && options.dpop)
    Object.assign(headers, await options.dpop.headers('POST', url, options.token));
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  recordTokensIn(text);
  return {
    status: res.status,
    body: text ? JSON.parse(text) : {},
    wwwAuthenticate: res.headers.get('www-authenticate'),
  };
}

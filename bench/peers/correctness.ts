// The correctness checks of the peers part: what each app answers to a good token and to bad ones, recorded as
// status and WWW-Authenticate header, not judged by a library's documentation.

/** The requests each guarded app is sent once, before the load. */
export const PROBES = ['valid', 'noToken', 'otherAudience', 'algNone', 'expired'] as const;
/** One of {@link PROBES}. */
export type Probe = (typeof PROBES)[number];

/** What an app answered to one probe. */
export interface ProbeAnswer {
  status: number;
  /** The WWW-Authenticate header, if any. */
  wwwAuthenticate?: string;
}

/** An app's answers, by probe. */
export type CorrectnessResult = Record<Probe, ProbeAnswer>;

/**
 * `token` with its header rewritten to `alg: none` and its signature dropped (RFC 7519 §6.1's unsecured JWT):
 * the same claims, nothing that proves who made them.
 */
export function withAlgNone(token: string): string {
  const [header, payload] = token.split('.');
  if (!header || !payload) throw new Error('not a JWS compact serialization');
  const decoded = JSON.parse(Buffer.from(header, 'base64url').toString()) as Record<string, unknown>;
  const unsecured = Buffer.from(JSON.stringify({ ...decoded, alg: 'none' })).toString('base64url');
  return `${unsecured}.${payload}.`;
}

/** Whether an answer refuses the request (401 or 403). */
export function refused(answer: ProbeAnswer | undefined): boolean {
  return answer !== undefined && (answer.status === 401 || answer.status === 403);
}

/** Whether a 401 carries an RFC 6750 §3 challenge: `WWW-Authenticate: Bearer …` (or DPoP, RFC 9449 §7.1). */
export function rfc6750Challenge(answer: ProbeAnswer | undefined): boolean {
  return answer?.status === 401 && /^(Bearer|DPoP)(\s|$)/i.test(answer.wwwAuthenticate ?? '');
}

/** Every 401 an app gave to the bad probes carries a challenge (false when it gave no 401 at all). */
export function challengesOn401(result: CorrectnessResult): boolean {
  const unauthorized = PROBES.filter((p) => p !== 'valid' && result[p].status === 401);
  return unauthorized.length > 0 && unauthorized.every((p) => rfc6750Challenge(result[p]));
}

/** POSTs the route's body with `token` (none: no Authorization header) and records the answer. */
export async function probe(url: string, token: string | undefined): Promise<ProbeAnswer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ value: 10 }),
    signal: AbortSignal.timeout(20_000),
  });
  await res.arrayBuffer();
  const header = res.headers.get('www-authenticate');
  return header === null ? { status: res.status } : { status: res.status, wwwAuthenticate: header };
}

/**
 * What an app whose route requires a permission answered, once each, before the load: a caller Keycloak does not
 * grant it (403 expected), a forged token (401, and no Keycloak call: counted by the proxy), and a token it never
 * saw while Keycloak is down (the decision cannot be made: 503 expected of this library, whatever the peer does).
 */
export interface AuthzProbes {
  denied: ProbeAnswer & { keycloakCalls: number };
  forged: ProbeAnswer & { keycloakCalls: number };
  keycloakDown: ProbeAnswer;
}

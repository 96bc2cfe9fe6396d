import type { DpopProofMaker } from 'nest-keycloak-s2s/dpop';
import { Observed, send } from './attack-http';
import { SecurityTokens } from './security-fixtures';
import { Mode } from './service-b-rig';

/** What a case must get back. */
export interface Expected {
  status: number;
  /**
   * The error `WWW-Authenticate` must carry (RFC 6750 §3.1, RFC 9449 §7.1); `no_error` for the challenge of a
   * request without credentials, which names no error; null when the answer must carry no challenge.
   */
  challenge: 'invalid_token' | 'insufficient_scope' | 'invalid_dpop_proof' | 'no_error' | null;
  /** The scheme the error's challenge is on (default Bearer); for `no_error`, the exact challenge. */
  scheme?: 'Bearer' | 'DPoP';
  exactChallenge?: string;
  /** The library's stable code in the body, per mode where the modes differ (introspection sees less). */
  code?: string | Record<Mode, string>;
  /** The `scope` attribute of an insufficient_scope challenge. */
  scope?: string;
  /** The fields a 400 names. */
  fields?: string[];
}

/** One attack: where it goes, how it is sent, and what must come back. */
export interface AttackCase {
  name: string;
  /** service-b (its next hop, the counting service-c, must stay uncalled) or service-c (the last hop). */
  at: 'service-b' | 'service-c';
  expected: Expected;
  send: (url: string, tokens: SecurityTokens) => Promise<Observed>;
}

/** A group of cases, one `describe` in the suite. */
export interface AttackGroup {
  title: string;
  cases: AttackCase[];
}

/** service-b's request body in the token cases. */
export const ORDER = JSON.stringify({ order_id: 9876, amount: 1500 });
/** service-c's request body. */
const COMPUTE = JSON.stringify({ value: 10 });

/** 401 invalid_token with the library's code. */
export const invalid = (code: string | Record<Mode, string>): Expected => ({
  status: 401,
  challenge: 'invalid_token',
  code,
});
/**
 * `expected` answered on the DPoP scheme's challenge: where a route takes DPoP-bound tokens only (service-c), every
 * refusal names DPoP, the one scheme it accepts.
 */
export const onDpop = (expected: Expected): Expected => ({ ...expected, scheme: 'DPoP' });
/** 401 on the DPoP scheme's challenge (with `algs`): `invalid_dpop_proof` or `invalid_token` (the key binding). */
export const dpopRefused = (
  code: string,
  error: 'invalid_dpop_proof' | 'invalid_token' = 'invalid_dpop_proof',
): Expected => ({ status: 401, challenge: error, scheme: 'DPoP', code });
/** The proof algorithms every service accepts (the library's default), as the challenge's `algs` lists them. */
export const DPOP_ALGS = 'algs="ES256 PS256 RS256 EdDSA"';
/** 401 to a request without credentials: the challenge `exact`, without an error code (RFC 6750 §3.1). */
export const noCredentials = (exact: string): Expected => ({
  status: 401,
  challenge: 'no_error',
  exactChallenge: exact,
  code: 'token_missing',
});
/** 403 insufficient_scope with the library's code and, for a missing scope, the scope the challenge names. */
export const forbidden = (code: string, scope?: string): Expected => ({
  status: 403,
  challenge: 'insufficient_scope',
  code,
  scope,
});
/** A refusal of the request itself (400, 413, 415): no challenge, since the token was fine. */
export const refusedBody = (status: number, fields?: string[]): Expected => ({
  status,
  challenge: null,
  fields,
});

/** Sends the picked token to service-b with a valid order. */
export const bearerAtB =
  (pick: (t: SecurityTokens) => string) =>
  (url: string, tokens: SecurityTokens): Promise<Observed> =>
    send(url, { authorization: `Bearer ${pick(tokens)}`, body: ORDER });
/** Sends the picked token to service-c with a valid body. */
export const bearerAtC =
  (pick: (t: SecurityTokens) => string) =>
  (url: string, tokens: SecurityTokens): Promise<Observed> =>
    send(url, { authorization: `Bearer ${pick(tokens)}`, body: COMPUTE });
/** The headers of a DPoP request: `Authorization: DPoP <token>` and the `DPoP` proof. */
export interface DpopHeaders {
  token: string;
  proof?: string;
}

/**
 * Sends a DPoP request to `url` (with `path` instead of the URL's own, e.g. service-b's quote route), the token and
 * proof of `make`, which gets the full URL and the tokens; no proof header when `make` gives none.
 */
export const dpopAt =
  (
    make: (url: string, t: SecurityTokens) => Promise<DpopHeaders>,
    body: 'order' | 'compute',
    path?: string,
  ) =>
  async (url: string, tokens: SecurityTokens): Promise<Observed> => {
    const target = path ? new URL(path, url).toString() : url;
    const { token, proof } = await make(target, tokens);
    return send(target, {
      authorization: `DPoP ${token}`,
      dpop: proof,
      body: body === 'order' ? ORDER : COMPUTE,
    });
  };

/** A valid proof of `key` for a POST to `url` with `token` (the library's maker). */
export const validProof = async (key: DpopProofMaker, url: string, token: string): Promise<DpopHeaders> => ({
  token,
  proof: (await key.headers('POST', url, token)).dpop,
});

/** A body sent to service-b with a GOOD token, so a refusal is the body's. */
export const bodyAtB =
  (body: string, contentType = 'application/json') =>
  (url: string, tokens: SecurityTokens): Promise<Observed> =>
    send(url, { authorization: `Bearer ${tokens.serviceA}`, contentType, body });

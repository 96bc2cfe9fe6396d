import { Observed, send } from './attack-http';
import { SecurityTokens } from './security-fixtures';
import { Mode } from './service-b-rig';

/** What a case must get back. */
export interface Expected {
  status: number;
  /** The RFC 6750 error `WWW-Authenticate` must carry; null when the answer must carry no challenge. */
  challenge: 'invalid_token' | 'insufficient_scope' | null;
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
/** A body sent to service-b with a GOOD token, so a refusal is the body's. */
export const bodyAtB =
  (body: string, contentType = 'application/json') =>
  (url: string, tokens: SecurityTokens): Promise<Observed> =>
    send(url, { authorization: `Bearer ${tokens.serviceA}`, contentType, body });

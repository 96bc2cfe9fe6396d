import { decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { roundRobin } from '../users/round-robin';
import { runLoad } from './load';

/** Which key a forged token names: the realm's own kid (its signature fails), or kids the realm never had. */
export const FORGERY_KINDS = ['realm-kid', 'unknown-kid'] as const;
/** One of {@link FORGERY_KINDS}. */
export type ForgeryKind = (typeof FORGERY_KINDS)[number];

/** What a flood of forged tokens at one service gave. */
export interface FloodResult {
  kind: ForgeryKind;
  /** Distinct forged tokens, taken in turn. */
  tokens: number;
  sent: number;
  /** Answers 401 (the expected refusal), and any other answer or connection error. */
  refused: number;
  other: number;
  durationSec: number;
}

/** The kid of a token the realm signed (its header). */
export function kidOf(token: string): string {
  const { kid } = decodeProtectedHeader(token);
  if (typeof kid !== 'string') throw new Error('the realm token has no kid');
  return kid;
}

/**
 * `count` tokens with claims a service would accept — issuer, audience, caller, scope, a lifetime — signed by a
 * key of our own (RS256, the realm's algorithm), under the realm's kid or under a new random kid each.
 */
export async function forgedTokens(
  claims: { issuer: string; audience: string | string[]; azp: string; scope: string },
  kind: ForgeryKind,
  realmKid: string,
  count: number,
): Promise<string[]> {
  const { privateKey } = await generateKeyPair('RS256');
  const now = Math.floor(Date.now() / 1000);
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const kid = kind === 'realm-kid' ? realmKid : `forged-${i}-${Math.random().toString(36).slice(2)}`;
    tokens.push(
      await new SignJWT({ typ: 'Bearer', azp: claims.azp, scope: claims.scope, sub: `forged-${i}` })
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .setIssuer(claims.issuer)
        .setAudience(claims.audience)
        .setIssuedAt(now)
        .setExpirationTime(now + 3600)
        .setJti(`forged-${kind}-${i}`)
        .sign(privateKey),
    );
  }
  return tokens;
}

/** POSTs `body` to `url` for `durationSec`, each request with the next of `tokens` in turn. */
export async function flood(
  url: string,
  body: string,
  tokens: readonly string[],
  kind: ForgeryKind,
  options: { connections: number; durationSec: number },
): Promise<FloodResult> {
  const next = roundRobin(tokens);
  const run = await runLoad({
    url,
    body,
    ...options,
    headersPerRequest: () => ({ authorization: `Bearer ${next()}` }),
  });
  const refused = run.byStatus['401'] ?? 0;
  return {
    kind,
    tokens: tokens.length,
    sent: run.sent,
    refused,
    other: run.requests - refused + run.errors,
    durationSec: run.durationSec,
  };
}

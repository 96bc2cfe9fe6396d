import { Expiring } from '../transport/expiring-cache';
import { Clock } from '../core/clock';
import { ResolvedOutgoingTokenOptions } from '../config/keycloak-auth.options';
import { IssuedToken } from './keycloak-oauth.client';

/** The instant (ms) after which a token issued at `issuedAt` should be renewed: a margin or a fraction of its life, whichever is earlier. */
export function renewAt(issuedAt: number, expiresInSec: number, marginSec: number, fraction: number): number {
  const lifetime = expiresInSec * 1000;
  const early = Math.max(marginSec * 1000, lifetime * fraction);
  return issuedAt + Math.max(lifetime - early, lifetime / 2);
}

/**
 * Requests a token and says until when to reuse it: {@link renewAt} with the configured margin and fraction,
 * counted from before the request left (a slow answer must not stretch the token's life).
 */
export async function renewableToken(
  clock: Clock,
  options: ResolvedOutgoingTokenOptions,
  request: () => Promise<IssuedToken>,
): Promise<Expiring<string>> {
  const issuedAt = clock.now();
  const token = await request();
  return {
    value: token.accessToken,
    expiresAt: renewAt(issuedAt, token.expiresIn, options.refreshMarginSec, options.refreshFraction),
  };
}

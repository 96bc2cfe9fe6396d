import type { Hop } from '@app/chain';

/** Who started the chain: service-a as itself (client credentials) or a user logged in at service-a. */
export type ChainCaller = 'service' | 'user';

/**
 * The exact scope words each hop's token carries (docs/chain.md, "What each hop carries"). At service-b: service-a's
 * default scopes (orders.read, and the profile and email the page shows), plus `openid` when a user logged in. At
 * service-c: the analytics.run service-b asked for, plus `profile`, service-b's one default scope that is written
 * into `scope`; no orders.* or inventory.*, which are optional for service-b and not asked for.
 */
export const HOP_SCOPES: Record<ChainCaller, Record<'service-b' | 'service-c', string[]>> = {
  service: { 'service-b': ['email', 'orders.read', 'profile'], 'service-c': ['analytics.run', 'profile'] },
  user: {
    'service-b': ['email', 'openid', 'orders.read', 'profile'],
    'service-c': ['analytics.run', 'profile'],
  },
};

/** The words of a `scope` claim, sorted: Keycloak orders them differently from token to token. */
export function scopeWords(scope: string): string[] {
  return scope.split(' ').filter(Boolean).sort();
}

/** Asserts that service-b and service-c each saw exactly one audience, itself, and exactly {@link HOP_SCOPES}. */
export function expectOneScopePerHop(hops: readonly Hop[], caller: ChainCaller): void {
  expect(hops.map((hop) => hop.service)).toEqual(['service-b', 'service-c']);
  for (const hop of hops) {
    const service = hop.service as 'service-b' | 'service-c';
    expect({ service, aud: hop.aud, scope: scopeWords(hop.scope) }).toEqual({
      service,
      aud: [service],
      scope: HOP_SCOPES[caller][service],
    });
  }
}

import { InvalidKeycloakAuthzOptionsError, resolveKeycloakAuthzOptions } from './authz.options';

describe('resolveKeycloakAuthzOptions', () => {
  it('fills in the defaults: enforcing, 30 s, 10 000 entries, no pushed claims', () => {
    expect(resolveKeycloakAuthzOptions()).toEqual({
      resourceServer: undefined,
      enforcement: 'enforcing',
      decisionCacheTtlMs: 30_000,
      decisionCacheMaxEntries: 10_000,
      claims: {},
    });
  });

  it('reports every refused option at once', () => {
    let error: unknown;
    try {
      resolveKeycloakAuthzOptions({
        resourceServer: '',
        enforcement: 'lenient' as never,
        decisionCacheTtlSec: -1,
        decisionCacheMaxEntries: 0.5,
        claims: { user: 'me' as never },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidKeycloakAuthzOptionsError);
    expect((error as InvalidKeycloakAuthzOptionsError).problems.map((p) => p.option)).toEqual([
      'resourceServer',
      'enforcement',
      'decisionCacheTtlSec',
      'decisionCacheMaxEntries',
      'claims.user',
    ]);
  });
});

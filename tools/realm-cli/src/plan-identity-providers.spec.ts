import { join } from 'node:path';
import { loadRealmFile } from './realm-file';
import { loadRealmOverlay, withOverlay } from './realm-overlay';
import { actionsOf, planChanges } from './plan';
import { planIdentityProviders } from './plan-identity-providers';

const root = join(__dirname, '..', '..', '..');
const kubernetes = {
  alias: 'kubernetes',
  providerId: 'kubernetes',
  hideOnLogin: true,
  config: { issuer: 'https://kubernetes.default.svc.cluster.local' },
};

describe('planIdentityProviders', () => {
  it('creates a provider the realm lacks', () => {
    const changes = planIdentityProviders([kubernetes], { kubernetes: undefined });
    expect(changes.map((c) => c.line)).toEqual(['+ identity provider kubernetes (kubernetes)']);
    expect(changes[0].action).toEqual({ kind: 'createIdentityProvider', provider: kubernetes });
  });

  it('updates only the fields and config keys the file states, in one request', () => {
    const live = {
      ...kubernetes,
      internalId: 'uuid',
      enabled: true,
      hideOnLogin: false,
      config: { issuer: 'https://old.example', allowedClockSkew: '5' },
    };
    const changes = planIdentityProviders([kubernetes], { kubernetes: live });
    expect(changes.map((c) => c.line)).toEqual([
      '~ identity provider kubernetes: hideOnLogin false → true',
      '~ identity provider kubernetes: config.issuer "https://old.example" → "https://kubernetes.default.svc.cluster.local"',
    ]);
    expect(actionsOf(changes)).toEqual([
      {
        kind: 'updateIdentityProvider',
        alias: 'kubernetes',
        patch: { hideOnLogin: true, config: { issuer: 'https://kubernetes.default.svc.cluster.local' } },
      },
    ]);
  });

  it('leaves a matching provider, and providers the file does not name, alone', () => {
    expect(planIdentityProviders([kubernetes], { kubernetes: { ...kubernetes, enabled: true } })).toEqual([]);
    expect(planIdentityProviders(undefined, { other: { alias: 'other' } })).toEqual([]);
  });

  it('is part of the realm plan: the Kubernetes overlay on a realm imported from realm-export.json', () => {
    const file = withOverlay(
      loadRealmFile(join(root, 'realm-export.json')),
      loadRealmOverlay(join(root, 'deploy', 'realm-kubernetes.json')),
    );
    const lines = planChanges(file, {
      settings: {},
      defaultDefaultClientScopes: file.defaultDefaultClientScopes ?? [],
      defaultOptionalClientScopes: file.defaultOptionalClientScopes ?? [],
      clientScopes: [],
      realmRoles: [],
      clients: {},
      users: {},
      serviceAccounts: {},
      identityProviders: {},
    }).map((c) => c.line);
    expect(lines).toContain('+ identity provider kubernetes (kubernetes)');
  });
});

import { peersResourceServer } from './peers-realm';

describe("the peers part's resource server", () => {
  it('grants resource#scope to service-a only, enforcing, and names nothing else', () => {
    const server = peersResourceServer('order', 'read');
    expect(server).toMatchObject({ policyEnforcementMode: 'ENFORCING', decisionStrategy: 'UNANIMOUS' });
    expect(server.resources).toEqual([
      { name: 'order', ownerManagedAccess: false, scopes: [{ name: 'read' }] },
    ]);
    const [client, permission] = server.policies;
    expect(client).toMatchObject({ type: 'client', logic: 'POSITIVE' });
    expect(JSON.parse(client.config.clients as string)).toEqual(['service-a']);
    expect(permission.type).toBe('scope');
    expect(JSON.parse(permission.config.resources as string)).toEqual(['order']);
    expect(JSON.parse(permission.config.scopes as string)).toEqual(['read']);
    expect(JSON.parse(permission.config.applyPolicies as string)).toEqual([client.name]);
  });
});

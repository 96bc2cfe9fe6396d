import { bareIdOf, PEER_APP_IDS, PEER_APPS, plainIdOf, roundOrder, selectApps } from './peer-apps';

describe('the apps of the peers part', () => {
  it('has every library mode on both adapters, and a bare route per Nest version and adapter', () => {
    expect(PEER_APP_IDS).toHaveLength(26);
    expect(new Set(PEER_APP_IDS).size).toBe(PEER_APP_IDS.length);
    for (const app of PEER_APPS) expect(PEER_APP_IDS).toContain(bareIdOf(app));
    expect(PEER_APPS.filter((a) => a.library === 'nest-keycloak-connect').map((a) => a.nest)).toEqual(
      Array(10).fill(10),
    );
    expect(PEER_APPS.filter((a) => a.ours).map((a) => a.id)).toEqual([
      'ours-express-jwt',
      'ours-fastify-jwt',
      'ours-express-introspection',
      'ours-fastify-introspection',
      'ours-express-jwt-authz',
      'ours-fastify-jwt-authz',
    ]);
  });

  it('passes the adapter and the mode to the app in its environment', () => {
    const roles = PEER_APPS.find((a) => a.id === 'nkc-fastify-online-roles');
    expect(roles?.env).toEqual({
      PEER_GUARD: 'online',
      PEER_ROLE: 'service-b:process-orders',
      PEER_ADAPTER: 'fastify',
    });
    expect(PEER_APPS.find((a) => a.id === 'ours-express-introspection')?.env).toEqual({
      OURS_MODE: 'introspection',
      PEER_ADAPTER: 'express',
    });
  });

  it('adds the bare ceiling of each app asked for, in the tables’ order', () => {
    expect(selectApps(['ours-fastify-jwt', 'nka-express-offline']).map((a) => a.id)).toEqual([
      'bare-11-express',
      'nka-express-offline',
      'bare-12-fastify',
      'ours-fastify-jwt',
    ]);
    expect(selectApps(['bare-10-express']).map((a) => a.id)).toEqual(['bare-10-express']);
  });

  it('runs the authorization apps with the same permission, beside their plain guard', () => {
    expect(PEER_APPS.find((a) => a.id === 'nkc-fastify-offline-resource')?.env).toEqual({
      PEER_GUARD: 'offline',
      PEER_RESOURCE: 'order',
      PEER_SCOPE: 'read',
      PEER_ADAPTER: 'fastify',
    });
    expect(PEER_APPS.find((a) => a.id === 'ours-fastify-jwt-authz')?.env).toEqual({
      OURS_MODE: 'jwt',
      OURS_RESOURCE: 'order',
      OURS_SCOPE: 'read',
      PEER_ADAPTER: 'fastify',
    });
    expect(PEER_APPS.filter((a) => a.authz).map((a) => plainIdOf(a))).toEqual([
      'nkc-express-offline',
      'nkc-fastify-offline',
      'ours-express-jwt',
      'ours-fastify-jwt',
    ]);
    expect(plainIdOf({ id: 'ours-fastify-jwt' })).toBeUndefined();
    expect(selectApps(['ours-fastify-jwt-authz']).map((a) => a.id)).toEqual([
      'bare-12-fastify',
      'ours-fastify-jwt',
      'ours-fastify-jwt-authz',
    ]);
  });

  it('rotates the order by one each round, so no app is always measured first', () => {
    const apps = ['a', 'b', 'c'];
    expect([0, 1, 2, 3].map((round) => roundOrder(apps, round).join(''))).toEqual([
      'abc',
      'bca',
      'cab',
      'abc',
    ]);
    expect(roundOrder([], 1)).toEqual([]);
  });
});

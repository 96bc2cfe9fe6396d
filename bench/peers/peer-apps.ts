// The apps of the peers part: each library in each of its modes on each adapter it runs on, and the bare route on
// each Nest version as their ceiling. Pure data, so that option parsing and the report can use it.

/** The HTTP adapters every app is measured on. */
export const ADAPTERS = ['express', 'fastify'] as const;
/** One of {@link ADAPTERS}. */
export type Adapter = (typeof ADAPTERS)[number];

/** The libraries compared; `none` is the bare route. */
export type PeerLibrary = 'none' | 'nest-keycloak-connect' | 'nestjs-keycloak-auth' | 'nest-keycloak-s2s';

/** The folders under bench/peers/apps/ an app runs from (its own package.json but for nest12 and ours). */
export type AppFolder = 'nest10' | 'nest11' | 'nest12' | 'ours';

/** One app of the peers part: what it runs and how it is started. */
export interface PeerApp {
  id: string;
  library: PeerLibrary;
  /** The library's validation mode as the tables show it, e.g. `ONLINE + @Roles`; `bare` for no guard. */
  mode: string;
  /** The Nest major version the app runs on. */
  nest: 10 | 11 | 12;
  adapter: Adapter;
  folder: AppFolder;
  /** Environment that selects the mode (on top of Keycloak's address and the bench client's credentials). */
  env: Record<string, string>;
  /** Whether it is this library's app (the targets are about these). */
  ours: boolean;
  /** Whether its route requires a permission of Keycloak's Authorization Services (the authorization probes). */
  authz?: boolean;
}

const ROLE = 'service-b:process-orders';
/** The resource and scope of the permission the authorization apps require (bench/peers/peers-realm.ts makes it). */
export const AUTHZ_RESOURCE = 'order';
export const AUTHZ_SCOPE = 'read';

function forAdapters(make: (adapter: Adapter) => Omit<PeerApp, 'adapter'>): PeerApp[] {
  return ADAPTERS.map((adapter) => {
    const app = make(adapter);
    return { ...app, adapter, env: { ...app.env, PEER_ADAPTER: adapter } };
  });
}

const bare = (nest: 10 | 11 | 12): PeerApp[] =>
  forAdapters((adapter) => ({
    id: `bare-${nest}-${adapter}`,
    library: 'none',
    mode: 'bare',
    nest,
    folder: `nest${nest}`,
    env: { PEER_GUARD: 'none' },
    ours: false,
  }));

const keycloakConnect = (validation: 'online' | 'offline', roles: boolean): PeerApp[] =>
  forAdapters((adapter) => ({
    id: `nkc-${adapter}-${validation}${roles ? '-roles' : ''}`,
    library: 'nest-keycloak-connect',
    mode: `${validation.toUpperCase()}${roles ? ' + @Roles' : ''}`,
    nest: 10,
    folder: 'nest10',
    env: { PEER_GUARD: validation, ...(roles ? { PEER_ROLE: ROLE } : {}) },
    ours: false,
  }));

/** nest-keycloak-connect's ResourceGuard over its OFFLINE check: `@Resource(order)` and `@Scopes(read)`. */
const keycloakConnectResource = (): PeerApp[] =>
  forAdapters((adapter) => ({
    id: `nkc-${adapter}-offline-resource`,
    library: 'nest-keycloak-connect',
    mode: 'OFFLINE + @Resource/@Scopes',
    nest: 10,
    folder: 'nest10',
    env: { PEER_GUARD: 'offline', PEER_RESOURCE: AUTHZ_RESOURCE, PEER_SCOPE: AUTHZ_SCOPE },
    ours: false,
    authz: true,
  }));

const keycloakAuth = (validation: 'online' | 'offline'): PeerApp[] =>
  forAdapters((adapter) => ({
    id: `nka-${adapter}-${validation}`,
    library: 'nestjs-keycloak-auth',
    mode: validation.toUpperCase(),
    nest: 11,
    folder: 'nest11',
    env: { PEER_GUARD: validation },
    ours: false,
  }));

const ours = (mode: 'jwt' | 'introspection'): PeerApp[] =>
  forAdapters((adapter) => ({
    id: `ours-${adapter}-${mode}`,
    library: 'nest-keycloak-s2s',
    mode,
    nest: 12,
    folder: 'ours',
    env: { OURS_MODE: mode },
    ours: true,
  }));

/** This library's jwt mode with `@RequirePermission(order, read)`: Keycloak decides, the decision cached. */
const oursAuthz = (): PeerApp[] =>
  forAdapters((adapter) => ({
    id: `ours-${adapter}-jwt-authz`,
    library: 'nest-keycloak-s2s',
    mode: 'jwt + @RequirePermission',
    nest: 12,
    folder: 'ours',
    env: { OURS_MODE: 'jwt', OURS_RESOURCE: AUTHZ_RESOURCE, OURS_SCOPE: AUTHZ_SCOPE },
    ours: true,
    authz: true,
  }));

/** Every app, in the order the tables list them: each library after its ceiling. */
export const PEER_APPS: readonly PeerApp[] = [
  ...bare(10),
  ...keycloakConnect('online', false),
  ...keycloakConnect('online', true),
  ...keycloakConnect('offline', false),
  ...keycloakConnect('offline', true),
  ...keycloakConnectResource(),
  ...bare(11),
  ...keycloakAuth('online'),
  ...keycloakAuth('offline'),
  ...bare(12),
  ...ours('jwt'),
  ...ours('introspection'),
  ...oursAuthz(),
];

/** The app an authorization app is compared with: the same library, mode and adapter without the permission. */
export function plainIdOf(app: Pick<PeerApp, 'id' | 'authz'>): string | undefined {
  if (!app.authz) return undefined;
  return app.id.replace(/-authz$/, '').replace(/-resource$/, '');
}

/** The ids of {@link PEER_APPS}, for `--peers`. */
export const PEER_APP_IDS: readonly string[] = PEER_APPS.map((app) => app.id);

/** The id of the bare route on `app`'s Nest version and adapter: its ceiling. */
export function bareIdOf(app: Pick<PeerApp, 'nest' | 'adapter'>): string {
  return `bare-${app.nest}-${app.adapter}`;
}

/**
 * The apps `ids` name, each with its bare ceiling added when missing (and an authorization app with its plain
 * guard's app), in {@link PEER_APPS}' order.
 */
export function selectApps(ids: readonly string[]): PeerApp[] {
  const wanted = new Set(ids);
  for (const app of PEER_APPS) {
    if (!wanted.has(app.id)) continue;
    wanted.add(bareIdOf(app));
    const plain = plainIdOf(app);
    if (plain !== undefined) wanted.add(plain);
  }
  return PEER_APPS.filter((app) => wanted.has(app.id));
}

/** The order the apps take turns in round `round` (0-based): rotated by one each round, so none is always first. */
export function roundOrder<T>(apps: readonly T[], round: number): T[] {
  return apps.map((_, i) => apps[(round + i) % apps.length]);
}

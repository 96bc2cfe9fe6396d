/** Who called, as both validation modes report it: the claims a handler may rely on, already checked. */
export interface Principal {
  /** `sub`: the user, or the service account of a client-credentials token. */
  readonly subject: string;
  /** `preferred_username`, when the token carries it. */
  readonly username?: string;
  /** `azp`: the client the token was issued to (the caller). */
  readonly clientId: string;
  /** `aud`, always as a list. */
  readonly audience: readonly string[];
  /** `scope`, split on spaces. */
  readonly scopes: readonly string[];
  /** `realm_access.roles`. */
  readonly realmRoles: readonly string[];
  /** `resource_access.<client>.roles`. */
  readonly clientRoles: Readonly<Record<string, readonly string[]>>;
  /** `iss`. */
  readonly issuer: string;
  /** `exp`, seconds since the epoch. */
  readonly expiresAt: number;
  /** `iat`, seconds since the epoch, when present. */
  readonly issuedAt?: number;
  /** `jti`, when present. */
  readonly tokenId?: string;
  /**
   * The RFC 8693 `act` chain, current actor first (each level's `client_id`, else `azp`, else `sub`); empty when
   * the token has no `act` (Keycloak's standard token exchange sets none).
   */
  readonly actors: readonly string[];
  /** All claims as Keycloak sent them, for anything not lifted above. */
  readonly claims: Readonly<Record<string, unknown>>;
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/** Deepest `act` nesting read; a longer chain is cut here (no token legitimately nests this deep). */
const MAX_ACT_DEPTH = 8;

function actorsOf(claims: Record<string, unknown>): string[] {
  const actors: string[] = [];
  let act = claims.act;
  while (act && typeof act === 'object' && !Array.isArray(act) && actors.length < MAX_ACT_DEPTH) {
    const level = act as Record<string, unknown>;
    const name = [level.client_id, level.azp, level.sub].find((v): v is string => typeof v === 'string');
    if (name === undefined) break;
    actors.push(name);
    act = level.act;
  }
  return actors;
}

/** Builds a {@link Principal} from claims that have already passed {@link assertAccessTokenClaims}. */
export function principalFromClaims(claims: Record<string, unknown>): Principal {
  const aud = claims.aud;
  const resourceAccess = (claims.resource_access ?? {}) as Record<string, { roles?: unknown }>;
  const clientRoles: Record<string, string[]> = {};
  for (const [client, entry] of Object.entries(resourceAccess)) clientRoles[client] = strings(entry?.roles);
  return {
    subject: claims.sub as string,
    username: typeof claims.preferred_username === 'string' ? claims.preferred_username : undefined,
    clientId: claims.azp as string,
    audience: typeof aud === 'string' ? [aud] : strings(aud),
    scopes: typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [],
    realmRoles: strings((claims.realm_access as { roles?: unknown } | undefined)?.roles),
    clientRoles,
    issuer: claims.iss as string,
    expiresAt: claims.exp as number,
    issuedAt: typeof claims.iat === 'number' ? claims.iat : undefined,
    tokenId: typeof claims.jti === 'string' ? claims.jti : undefined,
    actors: actorsOf(claims),
    claims: Object.freeze({ ...claims }),
  };
}

import type { Principal } from '../core/principal';
import type { OptionProblem } from './option-problem';

/**
 * How a route's permissions are enforced (Keycloak's policy enforcement modes): `enforcing` refuses what Keycloak
 * does not grant, an unknown resource or scope included; `permissive` lets a resource or scope Keycloak does not
 * know through (and logs it) but still refuses a denial; `disabled` asks nothing.
 */
export const ENFORCEMENT_MODES = ['enforcing', 'permissive', 'disabled'] as const;
/** One of {@link ENFORCEMENT_MODES}. */
export type EnforcementMode = (typeof ENFORCEMENT_MODES)[number];

/** Claims pushed to Keycloak with each decision (UMA `claim_token`), for policies that read the request. */
export interface PushedClaimsOptions {
  /** Push `http.method`: the request's method. */
  readonly method?: boolean;
  /** Push `http.uri`: the request's path, without its query. */
  readonly path?: boolean;
  /** Claims of your own, from the request and the verified caller; each value a string or a list of strings. */
  readonly user?: (
    request: unknown,
    principal: Principal,
  ) => Readonly<Record<string, string | readonly string[]>>;
}

/** The options of `KeycloakAuthzModule`: Keycloak Authorization Services decisions for `@RequirePermission`. */
export interface KeycloakAuthzOptions {
  /** The resource server's client id (the UMA `audience`); default the `clientId` of `KeycloakAuthModule`. */
  readonly resourceServer?: string;
  /** The enforcement mode of routes that set none with `@PermissionEnforcement` (default `enforcing`). */
  readonly enforcement?: EnforcementMode;
  /**
   * Longest time a decision of Keycloak is reused for one token and permission, in seconds (default 30); never past
   * the token's `exp`. A policy changed at Keycloak applies to a token already decided after at most this long.
   */
  readonly decisionCacheTtlSec?: number;
  /** Most decisions kept (default 10 000; least recently used go first). */
  readonly decisionCacheMaxEntries?: number;
  /** Claims pushed with each decision; none by default. Decisions are cached per pushed claims too. */
  readonly claims?: PushedClaimsOptions;
}

/** {@link KeycloakAuthzOptions} with every default filled in. */
export interface ResolvedKeycloakAuthzOptions {
  readonly resourceServer?: string;
  readonly enforcement: EnforcementMode;
  readonly decisionCacheTtlMs: number;
  readonly decisionCacheMaxEntries: number;
  readonly claims: PushedClaimsOptions;
}

/** The error {@link resolveKeycloakAuthzOptions} throws, naming every refused option. */
export class InvalidKeycloakAuthzOptionsError extends Error {
  constructor(readonly problems: readonly OptionProblem[]) {
    super(
      `Invalid KeycloakAuthzModule options: ${problems.map((p) => `${p.option}: ${p.reason}`).join('; ')}`,
    );
    this.name = 'InvalidKeycloakAuthzOptionsError';
  }
}

const DEFAULT_TTL_SEC = 30;
const DEFAULT_MAX_ENTRIES = 10_000;

/** Checks `options` (every problem at once) and fills in the defaults. */
export function resolveKeycloakAuthzOptions(
  options: KeycloakAuthzOptions = {},
): ResolvedKeycloakAuthzOptions {
  const problems: OptionProblem[] = [];
  const {
    resourceServer,
    enforcement = 'enforcing',
    decisionCacheTtlSec = DEFAULT_TTL_SEC,
    decisionCacheMaxEntries = DEFAULT_MAX_ENTRIES,
    claims = {},
  } = options;
  if (resourceServer !== undefined && (typeof resourceServer !== 'string' || resourceServer === ''))
    problems.push({ option: 'resourceServer', reason: 'must be a non-empty client id' });
  if (!ENFORCEMENT_MODES.includes(enforcement))
    problems.push({ option: 'enforcement', reason: `must be one of ${ENFORCEMENT_MODES.join(', ')}` });
  if (!(Number.isFinite(decisionCacheTtlSec) && decisionCacheTtlSec >= 0))
    problems.push({ option: 'decisionCacheTtlSec', reason: 'must be a number of seconds, 0 or more' });
  if (!(Number.isInteger(decisionCacheMaxEntries) && decisionCacheMaxEntries > 0))
    problems.push({ option: 'decisionCacheMaxEntries', reason: 'must be a whole number above 0' });
  if (claims.user !== undefined && typeof claims.user !== 'function')
    problems.push({ option: 'claims.user', reason: 'must be a function' });
  if (problems.length > 0) throw new InvalidKeycloakAuthzOptionsError(problems);
  return {
    resourceServer,
    enforcement,
    decisionCacheTtlMs: decisionCacheTtlSec * 1000,
    decisionCacheMaxEntries,
    claims,
  };
}

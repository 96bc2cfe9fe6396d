/** A permission of Keycloak's Authorization Services: a resource (its name or id) and the scopes asked on it. */
export interface Permission {
  readonly resource: string;
  /** All of them are required; none asks for the resource as a whole. */
  readonly scopes: readonly string[];
}

/**
 * The UMA grant's `permission` parameter: `resource#scope1,scope2` (Keycloak splits on the first `#` and on `,`,
 * so a scope such as `view:all` is sent whole).
 */
export function permissionParameter(permission: Permission): string {
  const { resource, scopes } = permission;
  return scopes.length > 0 ? `${resource}#${scopes.join(',')}` : resource;
}

/** One entry of an RPT's `authorization.permissions`, or of Keycloak's `response_mode=permissions` answer. */
interface GrantedPermission {
  rsid?: unknown;
  rsname?: unknown;
  scopes?: unknown;
}

/** The permissions a list grants, as Keycloak writes them (an RPT's claim or a `permissions` answer). */
function grantedList(value: unknown): GrantedPermission[] {
  return Array.isArray(value)
    ? value.filter((p): p is GrantedPermission => typeof p === 'object' && p !== null)
    : [];
}

/** Whether `granted` (a list of Keycloak's granted permissions) holds `permission`: its resource and every scope. */
export function grants(granted: unknown, permission: Permission): boolean {
  return grantedList(granted).some((entry) => {
    if (entry.rsname !== permission.resource && entry.rsid !== permission.resource) return false;
    const scopes = Array.isArray(entry.scopes) ? entry.scopes : [];
    return permission.scopes.every((scope) => scopes.includes(scope));
  });
}

/**
 * Whether a verified token's own claims grant `permission`: an RPT (a token Keycloak issued through the UMA grant)
 * carries `authorization.permissions`. Only a token this service has already verified is read.
 */
export function rptGrants(claims: Readonly<Record<string, unknown>>, permission: Permission): boolean {
  const authorization = claims.authorization as { permissions?: unknown } | undefined;
  return (
    typeof authorization === 'object' &&
    authorization !== null &&
    grants(authorization.permissions, permission)
  );
}

/** Injection token of the resolved `KeycloakAuthzModule` options. */
export const KEYCLOAK_AUTHZ_OPTIONS = Symbol('KEYCLOAK_AUTHZ_OPTIONS');
/** Metadata key set by `@RequirePermission()` (a list: every one is required). */
export const REQUIRED_PERMISSIONS_KEY = 'keycloak-auth:permissions';
/** Metadata key set by `@PermissionEnforcement()`. */
export const PERMISSION_ENFORCEMENT_KEY = 'keycloak-auth:enforcement';

// nest-keycloak-s2s/authz: Keycloak Authorization Services for Nest routes — permissions on resources and scopes,
// decided by Keycloak (UMA grant) or read from an RPT, cached per token and permission, fail closed.
export { KeycloakAuthzModule } from './nest/keycloak-authz.module';
export { KeycloakAuthzGuard } from './nest/keycloak-authz.guard';
export { RequirePermission, PermissionEnforcement } from './nest/require-permission.decorator';
export type { PermissionRequirement, ScopesOfRequest } from './nest/permission-requirement';
export { KEYCLOAK_AUTHZ_OPTIONS } from './core/authz.constants';
export {
  ENFORCEMENT_MODES,
  InvalidKeycloakAuthzOptionsError,
  resolveKeycloakAuthzOptions,
} from './config/authz.options';
export type {
  EnforcementMode,
  KeycloakAuthzOptions,
  PushedClaimsOptions,
  ResolvedKeycloakAuthzOptions,
} from './config/authz.options';
export { PermissionDecisions } from './client/permission-decisions';
export type { DecisionCacheSettings } from './client/permission-decisions';
export type { PermissionCheck, VerifiedSubject } from './client/permission-decisions';
export { UmaDecisionClient, UMA_TICKET_GRANT } from './client/uma-decision.client';
export type { PermissionVerdict, PushedClaims } from './client/uma-decision.client';
export type { Permission } from './client/permission';

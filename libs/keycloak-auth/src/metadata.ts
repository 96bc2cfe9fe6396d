// nest-keycloak-s2s/metadata: the route metadata the guard reads, for tools that describe routes (OpenAPI).
export {
  ALLOWED_CALLERS_KEY,
  DPOP_POLICY_KEY,
  IS_PUBLIC_KEY,
  OPTIONAL_AUTHENTICATION_KEY,
  REQUIRED_ROLES_KEY,
  REQUIRED_SCOPES_KEY,
  ROLES_MATCH_KEY,
} from './core/constants';
export { PERMISSION_ENFORCEMENT_KEY, REQUIRED_PERMISSIONS_KEY } from './core/authz.constants';

// nest-keycloak-s2s/metadata: the route metadata the guard reads, for tools that describe routes (OpenAPI), and
// the service's OAuth 2.0 Protected Resource Metadata (RFC 9728): the option's and the document's types, its URL.
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
export { PROTECTED_RESOURCE_METADATA_PATH } from './config/resource-metadata.options';
export type { ProtectedResourceMetadata, ResourceMetadataOptions } from './config/resource-metadata.options';
export { resourceMetadataUrl } from './config/resource-metadata';

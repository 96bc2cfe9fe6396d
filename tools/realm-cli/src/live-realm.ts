import type { LiveIdentityProviders } from './plan-identity-providers';
import type { RoleSpec } from './realm-file';

/** A protocol mapper as Keycloak has it. */
export interface LiveMapper {
  name: string;
  protocol?: string;
  protocolMapper?: string;
  config: Record<string, string>;
}

/** A client scope as Keycloak has it. */
export interface LiveClientScope {
  name: string;
  fields: Record<string, unknown>;
  protocolMappers: LiveMapper[];
}

/** A client as Keycloak has it; `secret` is read only when the secrets are to be compared. */
export interface LiveClient {
  fields: Record<string, unknown>;
  defaultClientScopes: string[];
  optionalClientScopes: string[];
  roles: RoleSpec[];
  secret?: string;
  /** Its Authorization Services settings as Keycloak exports them, when they are enabled. */
  authorization?: Record<string, unknown>;
}

/** A user (or service-account user) as Keycloak has it: its fields and its direct role mappings. */
export interface LiveUser {
  fields: Record<string, unknown>;
  realmRoles: string[];
  clientRoles: Record<string, string[]>;
}

/**
 * What the CLI compares of a running realm, read through the admin API (keycloak-reader.ts). Only the clients and
 * users the file names are read; everything is by name, never by Keycloak's ids, so the plan is pure data.
 */
export interface LiveRealm {
  settings: Record<string, unknown>;
  defaultDefaultClientScopes: string[];
  defaultOptionalClientScopes: string[];
  clientScopes: LiveClientScope[];
  realmRoles: RoleSpec[];
  clients: Record<string, LiveClient | undefined>;
  users: Record<string, LiveUser | undefined>;
  /** The service-account users, by their client's clientId. */
  serviceAccounts: Record<string, LiveUser | undefined>;
  /** The identity providers the file names, by alias. */
  identityProviders: LiveIdentityProviders;
}

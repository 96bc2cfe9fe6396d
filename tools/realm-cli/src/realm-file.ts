import { readFileSync } from 'node:fs';
import { CliError } from './cli-error';
import { resolvePlaceholders } from './placeholders';
import type { IdentityProviderSpec } from './realm-overlay';

/** A protocol mapper of a client scope, as realm-export.json writes it. */
export interface MapperSpec {
  name: string;
  protocol?: string;
  protocolMapper: string;
  consentRequired?: boolean;
  config?: Record<string, string>;
}

/** A client scope; `protocolMappers` left out means the scope's mappers are not managed. */
export interface ClientScopeSpec {
  name: string;
  description?: string;
  protocol?: string;
  attributes?: Record<string, string>;
  protocolMappers?: MapperSpec[];
}

/** A realm or client role. */
export interface RoleSpec {
  name: string;
  description?: string;
}

/** A client; every other key of the file (flags, redirect URIs, …) is compared as written. */
export interface ClientSpec {
  clientId: string;
  secret?: string;
  attributes?: Record<string, string>;
  defaultClientScopes?: string[];
  optionalClientScopes?: string[];
  [field: string]: unknown;
}

/** A user, or (with `serviceAccountClientId`) the service-account user of a client. */
export interface UserSpec {
  username: string;
  serviceAccountClientId?: string;
  attributes?: Record<string, string[]>;
  credentials?: { type: string; value: string; temporary?: boolean }[];
  realmRoles?: string[];
  clientRoles?: Record<string, string[]>;
  [field: string]: unknown;
}

/** The parts of a realm export the CLI manages; a key the file leaves out is not managed. */
export interface RealmFile {
  realm: string;
  roles?: { realm?: RoleSpec[]; client?: Record<string, RoleSpec[]> };
  defaultDefaultClientScopes?: string[];
  defaultOptionalClientScopes?: string[];
  clientScopes?: ClientScopeSpec[];
  clients?: ClientSpec[];
  users?: UserSpec[];
  /** Identity providers, by alias: in realm-export.json none; a realm overlay adds them. */
  identityProviders?: IdentityProviderSpec[];
  [field: string]: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function checkList(file: Record<string, unknown>, key: string, nameKey: string, path: string): void {
  const list = file[key];
  if (list === undefined) return;
  if (!Array.isArray(list) || !list.every((item) => isObject(item) && typeof item[nameKey] === 'string'))
    throw new CliError(`realm file ${path}: "${key}" must be a list of objects with a "${nameKey}"`);
}

/**
 * Parses and checks a realm export; `realmName` replaces the file's realm name (to apply the same content to a
 * throw-away realm); `${NAME:default}` placeholders are resolved as Keycloak's import resolves them. Errors name the file and the key, never echo values (the file holds secrets).
 */
export function parseRealmFile(text: string, path: string, realmName?: string): RealmFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(resolvePlaceholders(text));
  } catch (error) {
    // Only the position: newer Node versions quote the text around it, which may be a secret.
    const at = /position \d+/.exec((error as Error).message)?.[0];
    throw new CliError(`realm file ${path} is not valid JSON${at ? ` (at ${at})` : ''}`);
  }
  if (!isObject(parsed) || typeof parsed.realm !== 'string' || parsed.realm === '')
    throw new CliError(`realm file ${path} has no "realm" name`);
  checkList(parsed, 'clientScopes', 'name', path);
  checkList(parsed, 'clients', 'clientId', path);
  checkList(parsed, 'users', 'username', path);
  if (parsed.roles !== undefined && !isObject(parsed.roles))
    throw new CliError(`realm file ${path}: "roles" must be an object`);
  return { ...(parsed as RealmFile), ...(realmName ? { realm: realmName } : {}) };
}

/** Reads and parses the realm file at `path` (see `parseRealmFile`). */
export function loadRealmFile(path: string, realmName?: string): RealmFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read the realm file ${path} (${(error as NodeJS.ErrnoException).code})`);
  }
  return parseRealmFile(text, path, realmName);
}

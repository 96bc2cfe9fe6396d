/** The well-known URI suffix of RFC 9728 §3. */
export const PROTECTED_RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource';

/** The option `resourceMetadata` of {@link KeycloakAuthOptions} when it is not `false`. */
export interface ResourceMetadataOptions {
  /**
   * The service's resource identifier (RFC 9728 §2 `resource`): an http(s) URL without fragment, e.g.
   * `https://orders.example.com`, spelled as clients address the service (RFC 9728 §3.3 has them compare it with
   * the URL they called). With a path (`https://api.example.com/orders`) the metadata is served under it, after the
   * well-known suffix (`/.well-known/oauth-protected-resource/orders`, §3.1). Default: the origin the request was
   * sent to — `dpop.origin` when set, else the request's protocol and Host header; set one of them behind a proxy.
   */
  resource?: string;
  /** The scopes announced (`scopes_supported`). Default: every scope the application's `@RequireScopes` name. */
  scopes?: string[];
  /** A human-readable name of the service (`resource_name`). */
  resourceName?: string;
  /**
   * More metadata fields (e.g. `resource_documentation`, `resource_policy_uri`). They may not replace a field the
   * library fills in.
   */
  extra?: Record<string, unknown>;
}

/** {@link ResourceMetadataOptions} checked; `false` when the metadata is turned off. */
export type ResolvedResourceMetadataOptions =
  | false
  | {
      readonly resource?: string;
      readonly scopes?: readonly string[];
      readonly resourceName?: string;
      readonly extra: Readonly<Record<string, unknown>>;
    };

/** The RFC 9728 §2 document a service serves: the fields the library fills in, then any of `extra`. */
export interface ProtectedResourceMetadata {
  /** The resource identifier: the URL clients address the service by. */
  readonly resource: string;
  /** The issuers of the accepted realms, the home realm first. */
  readonly authorization_servers: readonly string[];
  /** Where an access token goes: the Authorization header only (RFC 6750 §2.1). */
  readonly bearer_methods_supported: readonly ['header'];
  /** The scopes the service's routes ask for, when any. */
  readonly scopes_supported?: readonly string[];
  /** The DPoP proof algorithms accepted, when the service takes DPoP-bound tokens (RFC 9449). */
  readonly dpop_signing_alg_values_supported?: readonly string[];
  /** Whether every token must be DPoP-bound: the module's policy is `required`. */
  readonly dpop_bound_access_tokens_required: boolean;
  readonly resource_name?: string;
  readonly [field: string]: unknown;
}

/** The fields the library fills in, which `extra` may not replace. */
export const LIBRARY_METADATA_FIELDS = [
  'resource',
  'authorization_servers',
  'bearer_methods_supported',
  'scopes_supported',
  'dpop_signing_alg_values_supported',
  'dpop_bound_access_tokens_required',
  'resource_name',
] as const;

/**
 * Checks the option `resourceMetadata`; `need(key, ok, why)` records a bad key as the options resolver does.
 * Secrets never belong there: the document is public.
 */
export function resolveResourceMetadataOptions(
  value: false | ResourceMetadataOptions | undefined,
  need: (key: string, ok: boolean, why: string) => void,
): ResolvedResourceMetadataOptions {
  if (value === false) return false;
  if (value === undefined) return { extra: {} };
  if (typeof value !== 'object' || value === null) {
    need('resourceMetadata', false, 'must be false or an object');
    return false;
  }
  const { resource, scopes, resourceName, extra = {} } = value;
  if (resource !== undefined)
    need(
      'resourceMetadata.resource',
      isResourceIdentifier(resource),
      'must be an http(s) URL without fragment',
    );
  if (scopes !== undefined)
    need(
      'resourceMetadata.scopes',
      Array.isArray(scopes) &&
        scopes.every((s) => typeof s === 'string' && /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s)),
      'must be a list of scope tokens (RFC 6749 §3.3)',
    );
  if (resourceName !== undefined)
    need(
      'resourceMetadata.resourceName',
      typeof resourceName === 'string' && resourceName !== '',
      'must not be empty',
    );
  const extraIsObject = typeof extra === 'object' && extra !== null && !Array.isArray(extra);
  need('resourceMetadata.extra', extraIsObject, 'must be an object of metadata fields');
  const taken = extraIsObject
    ? Object.keys(extra).filter((key) => (LIBRARY_METADATA_FIELDS as readonly string[]).includes(key))
    : [];
  need(
    'resourceMetadata.extra',
    taken.length === 0,
    `may not set ${taken.join(', ')} (the library fills it in)`,
  );
  return {
    resource,
    scopes: scopes ? [...scopes] : undefined,
    resourceName,
    extra: extraIsObject ? { ...extra } : {},
  };
}

/** Whether `value` may name a protected resource (RFC 9728 §1.2): an http(s) URL without fragment. */
function isResourceIdentifier(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && !value.includes('#');
  } catch {
    return false;
  }
}

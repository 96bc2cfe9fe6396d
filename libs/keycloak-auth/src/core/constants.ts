/** Injection token of the resolved, validated {@link ResolvedKeycloakAuthOptions}. */
export const KEYCLOAK_AUTH_OPTIONS = Symbol('KEYCLOAK_AUTH_OPTIONS');
/** Injection token of the {@link Clock} every cache and expiry check reads. */
export const KEYCLOAK_CLOCK = Symbol('KEYCLOAK_CLOCK');
/** Injection token of the {@link TokenVerifier} selected by `mode`. */
export const TOKEN_VERIFIER = Symbol('TOKEN_VERIFIER');
/**
 * Injection token of the process's one undici dispatcher towards Keycloak (keep-alive, the configured CA): every
 * call the library makes goes over it, and so can the app's own (health checks, a login client). Closed on shutdown.
 */
export const KEYCLOAK_DISPATCHER = Symbol('KEYCLOAK_DISPATCHER');
/** Injection token of each accepted realm's signing keys (jose's remote JWKS), by issuer: both modes check with them. */
export const REALM_KEYS = Symbol('REALM_KEYS');

/**
 * Injection token of this service's `private_key_jwt` key set (null under another client authentication): read
 * from `clientAuth.keys` at start by `loadClientKeys`; what `ClientJwksController` publishes and the OAuth client signs
 * with.
 */
export const CLIENT_KEY_SET = Symbol('CLIENT_KEY_SET');

/**
 * Injection token of this process's DPoP key pair (Ed25519 unless `dpop.keyAlgorithm` says otherwise; generated at
 * start, it never leaves the process): every DPoP proof this service makes is signed with it, so tokens bound at
 * Keycloak and proofs to resource servers match.
 */
export const DPOP_KEY = Symbol('DPOP_KEY');

/**
 * Injection token whose presence anywhere in an application makes the guard keep every route's verified token for
 * later in the request, not only on routes with `@ExchangeToken`: for code that reads it on any route
 * (`KeycloakHttpModule`'s exchanging registration provides it). Any value; one application's setting, not the
 * process's.
 */
export const KEEP_VERIFIED_TOKENS = Symbol('KEEP_VERIFIED_TOKENS');

/** Metadata key set by `@Public()`. */
export const IS_PUBLIC_KEY = 'keycloak-auth:public';
/** Metadata key set by `@RequireScopes()`. */
export const REQUIRED_SCOPES_KEY = 'keycloak-auth:scopes';
/** Metadata key set by `@Roles()`. */
export const REQUIRED_ROLES_KEY = 'keycloak-auth:roles';
/** Metadata key set by `@Public({ authentication: 'optional' })`: a token, when one comes, is verified. */
export const OPTIONAL_AUTHENTICATION_KEY = 'keycloak-auth:optional-authentication';
/** Metadata key set by `@Roles(..., { match })`: `any` (the default) or `all` of the roles. */
export const ROLES_MATCH_KEY = 'keycloak-auth:roles-match';
/** Metadata key set by `@AccessToken()`: the route's handler reads the verified token, so its request keeps it. */
export const ACCESS_TOKEN_KEY = 'keycloak-auth:access-token';
/** Metadata key set by `@AllowedCallers()`. */
export const ALLOWED_CALLERS_KEY = 'keycloak-auth:callers';
/** Metadata key set by `@Dpop()`. */
export const DPOP_POLICY_KEY = 'keycloak-auth:dpop';
/** Metadata key set by `@ExchangeToken()`. */
export const EXCHANGE_TOKEN_KEY = 'keycloak-auth:exchange';

/** RFC 8693 §2.1 grant type. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** RFC 8693 §3 token type identifier of an OAuth access token. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

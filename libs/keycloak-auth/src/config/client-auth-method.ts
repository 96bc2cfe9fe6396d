/**
 * The ways this service can authenticate to a realm's token and introspection endpoints (RFC 6749 §2.3):
 * `client_secret_basic`, `private_key_jwt` (RFC 7523 §2.2: a JWT signed with a key of `clientAuth.keys`), or
 * `federated_jwt` (an externally issued token as RFC 7523 assertion, read from a file).
 */
export const CLIENT_AUTH_METHODS = ['client_secret_basic', 'private_key_jwt', 'federated_jwt'] as const;
/** One of {@link CLIENT_AUTH_METHODS} (option `clientAuth.method`). */
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

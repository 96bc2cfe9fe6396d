/** The ways incoming bearer tokens can be validated (option `mode`). */
export const AUTH_MODES = ['jwt', 'introspection'] as const;
/** How incoming bearer tokens are validated: `jwt` locally against the JWKS, `introspection` by Keycloak. */
export type AuthMode = (typeof AUTH_MODES)[number];

/** `${NAME:default}` in a realm file: what Keycloak's `--import-realm` replaces with the environment variable NAME. */
const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}/g;

/**
 * The realm file's text with each placeholder replaced as Keycloak's import replaces it: by the variable's value,
 * else by its default, so `apply` writes what an import would have (a client's `jwks.url`, for one). A placeholder
 * without default and without variable stays as written. Values are JSON-escaped: they land inside strings.
 */
export function resolvePlaceholders(text: string, env: NodeJS.ProcessEnv = process.env): string {
  return text.replace(PLACEHOLDER, (whole, name: string, fallback?: string) => {
    const value = env[name] ?? fallback;
    return value === undefined ? whole : JSON.stringify(value).slice(1, -1);
  });
}

import { readFileSync } from 'node:fs';
import type { KeycloakAuthOptions } from './keycloak-auth.options';
import { InvalidKeycloakAuthOptionsError, OptionProblem } from './option-problem';

/**
 * A Keycloak adapter configuration (`keycloak.json`, the admin console's "Action → Download adapter config", as
 * keycloak-connect and nest-keycloak-connect read it): kebab-case keys, with the aliases keycloak-connect accepted.
 */
export type KeycloakJson = Readonly<Record<string, unknown>>;

/** Keys that have no effect on a service that only checks bearer tokens: read and dropped. */
const WITHOUT_EFFECT = [
  'confidential-port',
  'bearer-only',
  'bearerOnly',
  'use-resource-role-mappings',
  'enable-cors',
  'cors-max-age',
  'cors-allowed-methods',
  'cors-allowed-headers',
  'cors-exposed-headers',
  'expose-token',
  'token-minimum-time-to-live',
  'connection-pool-size',
  'idpHint',
];

/** Keys refused with what to do instead: each would change what is trusted, and the library does it otherwise. */
const REFUSED: Record<string, string> = {
  'realm-public-key':
    'a fixed realm key is not supported: keys come from the realm JWKS, so a rotation needs no redeploy; remove it',
  realmPublicKey:
    'a fixed realm key is not supported: keys come from the realm JWKS, so a rotation needs no redeploy; remove it',
  truststore: 'a Java truststore is not read: give the CA certificates as PEM in the `ca` option',
  'truststore-password': 'a Java truststore is not read: give the CA certificates as PEM in the `ca` option',
  'client-keystore':
    'a Java keystore is not read: use clientAuth { method: private_key_jwt, keys } in the overrides',
  'client-keystore-password':
    'a Java keystore is not read: use clientAuth { method: private_key_jwt, keys } in the overrides',
  'client-key-password':
    'a Java keystore is not read: use clientAuth { method: private_key_jwt, keys } in the overrides',
  'policy-enforcer':
    'Authorization Services are configured with KeycloakAuthzModule.forRoot, not in the adapter file',
};

/** Keys whose only accepted value is false: true would turn a check off. */
const ONLY_FALSE: Record<string, string> = {
  'disable-trust-manager': 'would accept any TLS certificate from Keycloak',
  'allow-any-hostname': "would accept a certificate for another host than Keycloak's",
  'enable-basic-auth': 'would take user passwords on every request; only bearer tokens are taken',
  'always-refresh-token': 'is a login-session feature; only bearer tokens are taken',
};

const ALIASES: Record<string, readonly string[]> = {
  url: ['auth-server-url', 'authServerUrl', 'server-url', 'serverUrl'],
  clientId: ['resource', 'clientId', 'client-id'],
  publicClient: ['public-client', 'public'],
  sslRequired: ['ssl-required'],
  verifyTokenAudience: ['verify-token-audience', 'verifyTokenAudience'],
  minTimeBetweenJwksRequests: ['min-time-between-jwks-requests', 'minTimeBetweenJwksRequests'],
  publicKeyCacheTtl: ['public-key-cache-ttl'],
};
const KNOWN = new Set([
  'realm',
  'credentials',
  'secret',
  ...Object.values(ALIASES).flat(),
  ...WITHOUT_EFFECT,
  ...Object.keys(REFUSED),
  ...Object.keys(ONLY_FALSE),
]);

/** A loopback or private-network host: where Keycloak's `ssl-required: external` lets plain HTTP through. */
function isLocalHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host === '::1' || host.endsWith('.localhost')) return true;
  const octets = host.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) return false;
  const [a, b] = octets;
  return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

function readJson(source: string | KeycloakJson): KeycloakJson {
  if (typeof source !== 'string') return source;
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (error) {
    throw new InvalidKeycloakAuthOptionsError([
      { option: 'keycloak.json', reason: `cannot read ${source} (${(error as NodeJS.ErrnoException).code})` },
    ]);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as KeycloakJson;
  } catch {
    // The message would quote the text, which holds the client secret.
  }
  throw new InvalidKeycloakAuthOptionsError([
    { option: 'keycloak.json', reason: `${source} is not a JSON object` },
  ]);
}

/**
 * The module options of a Keycloak adapter configuration (`keycloak.json`: a path, or its parsed content), with
 * `overrides` on top — what the file cannot say: `mode` (default `jwt`), `audience` (default: the file's `resource`,
 * also when `verify-token-audience` is off: the audience is always checked), `clientAuth` other than a secret, `http.ca`, and so on.
 *
 * Mapped: `realm`; `auth-server-url` → `url` (trailing `/` dropped, `/auth` kept); `resource` → `clientId`;
 * `credentials.secret` → `clientAuth: { method: 'client_secret_basic', secret }`; `public-client` (no secret); `min-time-between-jwks-requests` (s) →
 * `jwks.cooldownMs`; `public-key-cache-ttl` (s) → `jwks.cacheMaxAgeMs`; `ssl-required` is checked against `url`
 * (`all`: https only; `external`: https unless Keycloak is on loopback or a private network; `none`). Keys with no
 * effect on a bearer-only service (`bearer-only`, `confidential-port`, `use-resource-role-mappings`, CORS) are
 * dropped. Refused, every problem at once in one {@link InvalidKeycloakAuthOptionsError} naming the key: an
 * unknown key, `realm-public-key`, keystores and truststores, `policy-enforcer`, a switch that turns a check off,
 * `credentials` other than `secret`, a secret on a public client, `ssl-required` that `url` breaks, a value with a
 * `${env.NAME}` reference (keycloak-connect resolved those; pass such values in `overrides`). The result
 * still goes through the module's own validation at start.
 */
export function optionsFromKeycloakJson(
  source: string | KeycloakJson,
  overrides: Partial<KeycloakAuthOptions> = {},
): KeycloakAuthOptions {
  const json = readJson(source);
  const problems: OptionProblem[] = [];
  const refuse = (option: string, reason: string) =>
    problems.push({ option: `keycloak.json ${option}`, reason });
  const pick = (name: keyof typeof ALIASES): { key: string; value: unknown } | undefined => {
    const present = ALIASES[name].filter((key) => json[key] !== undefined);
    if (present.length > 1) refuse(present.join(' / '), 'the same setting twice: keep one');
    return present.length ? { key: present[0], value: json[present[0]] } : undefined;
  };
  const text = (name: keyof typeof ALIASES | 'realm', required: boolean): string | undefined => {
    const found = name === 'realm' ? { key: 'realm', value: json.realm } : pick(name);
    const label = found?.key ?? (name === 'realm' ? 'realm' : ALIASES[name][0]);
    if (found?.value === undefined) {
      if (required && overrides[name as keyof KeycloakAuthOptions] === undefined)
        refuse(label, 'is required');
      return undefined;
    }
    if (typeof found.value !== 'string' || found.value.trim() === '') {
      refuse(label, 'must be a non-empty string');
      return undefined;
    }
    return found.value;
  };
  const flag = (name: keyof typeof ALIASES): boolean | undefined => {
    const found = pick(name);
    if (found === undefined) return undefined;
    if (typeof found.value !== 'boolean') refuse(found.key, 'must be true or false');
    return found.value === true;
  };
  const seconds = (name: keyof typeof ALIASES): number | undefined => {
    const found = pick(name);
    if (found === undefined) return undefined;
    if (typeof found.value !== 'number' || !Number.isFinite(found.value) || found.value < 0) {
      refuse(found.key, 'must be a number of seconds >= 0');
      return undefined;
    }
    return found.value * 1000;
  };

  const placeholders = (value: unknown, path: string): void => {
    if (typeof value === 'string' && /\$\{[^}]*\}/.test(value))
      refuse(path, 'holds a ${…} reference, which is not resolved here: pass the value in the overrides');
    else if (typeof value === 'object' && value !== null)
      for (const [key, inner] of Object.entries(value)) placeholders(inner, `${path}.${key}`);
  };
  for (const [key, value] of Object.entries(json)) placeholders(value, key);
  for (const key of Object.keys(json)) {
    if (!KNOWN.has(key)) refuse(key, 'unknown key: not an adapter setting this library maps');
    else if (key in REFUSED) refuse(key, REFUSED[key]);
    else if (key in ONLY_FALSE && json[key] !== false && json[key] !== undefined)
      refuse(key, `must be false: true ${ONLY_FALSE[key]}`);
  }

  const realm = text('realm', true);
  const rawUrl = text('url', true);
  const clientId = text('clientId', true);
  const publicClient = flag('publicClient');
  flag('verifyTokenAudience'); // read for its type only: the audience is always checked
  const jwksCooldownMs = seconds('minTimeBetweenJwksRequests');
  const jwksCacheMaxAgeMs = seconds('publicKeyCacheTtl');

  let clientSecret: string | undefined;
  const credentials = json.credentials;
  if (credentials !== undefined) {
    if (typeof credentials !== 'object' || credentials === null || Array.isArray(credentials))
      refuse('credentials', 'must be an object');
    else
      for (const [type, value] of Object.entries(credentials)) {
        if (type !== 'secret')
          refuse(
            `credentials.${type}`,
            'only credentials.secret is read; for a signed JWT use clientAuth { method: private_key_jwt, keys } in the overrides',
          );
        else if (typeof value !== 'string' || value === '')
          refuse('credentials.secret', 'must be a non-empty string');
        else clientSecret = value;
      }
  }
  if (json.secret !== undefined) {
    if (credentials !== undefined)
      refuse('secret / credentials', 'the same setting twice: keep credentials.secret');
    else if (typeof json.secret !== 'string' || json.secret === '')
      refuse('secret', 'must be a non-empty string');
    else clientSecret = json.secret;
  }
  if (publicClient && clientSecret !== undefined)
    refuse('public-client', 'a public client has no secret: remove credentials, or set public-client false');

  let url: string | undefined;
  if (rawUrl !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(rawUrl);
    } catch {
      refuse('auth-server-url', 'must be an http(s) URL');
    }
    if (parsed && parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      refuse('auth-server-url', 'must be an http(s) URL');
    else if (parsed) {
      url = rawUrl.replace(/\/+$/, '');
      const ssl = json['ssl-required'] ?? 'external';
      const plain = parsed.protocol === 'http:';
      if (ssl !== 'all' && ssl !== 'external' && ssl !== 'none')
        refuse('ssl-required', 'must be all, external or none');
      else if (plain && ssl === 'all')
        refuse(
          'ssl-required',
          'is all, but auth-server-url is http: use https, or ssl-required none for a dev realm',
        );
      else if (plain && ssl === 'external' && !isLocalHost(parsed.hostname))
        refuse(
          'ssl-required',
          `is external, but auth-server-url is http to ${parsed.hostname}, not a loopback or private address: use https`,
        );
    }
  }
  if (problems.length > 0) throw new InvalidKeycloakAuthOptionsError(problems);

  const jwks = {
    ...(jwksCooldownMs !== undefined ? { cooldownMs: jwksCooldownMs } : {}),
    ...(jwksCacheMaxAgeMs !== undefined ? { cacheMaxAgeMs: jwksCacheMaxAgeMs } : {}),
  };
  const options = {
    url,
    realm,
    clientId,
    ...(clientSecret !== undefined
      ? { clientAuth: { method: 'client_secret_basic', secret: clientSecret } }
      : {}),
    mode: 'jwt',
    ...(Object.keys(jwks).length > 0 ? { jwks } : {}),
    ...overrides,
  } as KeycloakAuthOptions;
  return { ...options, audience: overrides.audience ?? options.clientId };
}

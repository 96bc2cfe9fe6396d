import { AUTH_MODES } from '../core/auth-mode';
import type { ClientKeySet, ClientKeysOptions } from '../keys/client-key-set';
import { pemCertificates } from '../transport/keycloak-tls';
import { isKeycloakAuthObserver, noopKeycloakAuthObserver } from '../transport/keycloak-auth.observer';
import { CLIENT_AUTH_METHODS } from './client-auth-method';
import { clientKeysProblems } from './client-keys.options';
import { resolveDpopOptions } from './dpop.options';
import { federatedJwtProblems } from './federated-jwt.options';
import type {
  KeycloakAuthOptions,
  KeycloakRealmOptions,
  ResolvedKeycloakAuthOptions,
  ResolvedRealm,
} from './keycloak-auth.options';
import { InvalidKeycloakAuthOptionsError, OptionProblem } from './option-problem';
import { ASYMMETRIC_ALGORITHM } from './algorithms';
import { isCounterStore } from '../core/shared-state';

/**
 * Applies defaults and refuses unsafe or incomplete options with an error naming every bad key. Pure: it reads no
 * file and logs nothing (the client keys and the assertion file are `loadClientKeys`'s).
 */
export function resolveKeycloakAuthOptions(options: KeycloakAuthOptions): ResolvedKeycloakAuthOptions {
  const problems: OptionProblem[] = [];
  const need = (key: string, ok: boolean, why: string) => {
    if (!ok) problems.push({ option: key, reason: why });
  };
  need('url', isHttpUrl(options.url), 'must be an http(s) URL');
  need('realm', nonEmpty(options.realm), 'is required');
  need('clientId', nonEmpty(options.clientId), 'is required');
  need('mode', AUTH_MODES.includes(options.mode), `must be one of ${AUTH_MODES.join(', ')}`);
  const audience = [options.audience ?? []].flat().filter(nonEmpty);
  need('audience', audience.length > 0, 'is required: tokens meant for other services must be refused');
  // The signed-JWT methods replace the secret.
  const secretNeeded =
    options.mode === 'introspection' &&
    options.clientAuthMethod !== 'private_key_jwt' &&
    options.clientAuthMethod !== 'federated_jwt';
  need('clientSecret', !secretNeeded || nonEmpty(options.clientSecret), 'is required in introspection mode');
  need(
    'clientAuthMethod',
    options.clientAuthMethod === undefined || CLIENT_AUTH_METHODS.includes(options.clientAuthMethod),
    `must be one of ${CLIENT_AUTH_METHODS.join(', ')}`,
  );
  problems.push(...clientKeysProblems(options));
  problems.push(...federatedJwtProblems(options));
  const algorithms = options.algorithms ?? ['RS256', 'ES256'];
  need(
    'algorithms',
    algorithms.length > 0 && algorithms.every((a) => ASYMMETRIC_ALGORITHM.test(a)),
    'must list asymmetric algorithms only (never none or HS*)',
  );
  if (options.issuer !== undefined) need('issuer', isHttpUrl(options.issuer), 'must be an http(s) URL');
  for (const key of [
    'clockToleranceSec',
    'introspectionCacheTtlSec',
    'introspectionMissesPerMinute',
    'refreshMarginSec',
    'httpTimeoutMs',
    'jwksCooldownMs',
  ] as const) {
    const value = options[key];
    if (value !== undefined) need(key, Number.isFinite(value) && value >= 0, 'must be a number >= 0');
  }
  // 0 would make jose treat the set as stale at every verification: a JWKS fetch per request.
  if (options.jwksCacheMaxAgeMs !== undefined) {
    const value = options.jwksCacheMaxAgeMs;
    need('jwksCacheMaxAgeMs', Number.isFinite(value) && value > 0, 'must be a number > 0');
  }
  if (options.cacheMaxEntries !== undefined) {
    need(
      'cacheMaxEntries',
      Number.isInteger(options.cacheMaxEntries) && options.cacheMaxEntries > 0,
      'must be an integer > 0',
    );
  }
  if (options.refreshFraction !== undefined) {
    need('refreshFraction', options.refreshFraction >= 0 && options.refreshFraction < 1, 'must be in [0, 1)');
  }
  const extra = options.additionalRealms ?? [];
  need('additionalRealms', Array.isArray(extra), 'must be a list of realms');
  if (Array.isArray(extra)) {
    extra.forEach((entry, i) => {
      const key = `additionalRealms[${i}]`;
      if (typeof entry !== 'object' || entry === null) return need(key, false, 'must be an object');
      need(`${key}.realm`, nonEmpty(entry.realm), 'is required');
      if (entry.url !== undefined) need(`${key}.url`, isHttpUrl(entry.url), 'must be an http(s) URL');
      if (entry.issuer !== undefined)
        need(`${key}.issuer`, isHttpUrl(entry.issuer), 'must be an http(s) URL');
      if (entry.clientId !== undefined)
        need(`${key}.clientId`, nonEmpty(entry.clientId), 'must not be empty');
      if (entry.clientSecret !== undefined) {
        need(
          `${key}.clientSecret`,
          !secretNeeded || nonEmpty(entry.clientSecret),
          'is required in introspection mode',
        );
      }
    });
  }
  let ca: string[] | undefined;
  if (options.ca !== undefined) {
    const parsed = [options.ca].flat().map((pem) => pemCertificates(pem));
    ca = parsed.flatMap((certificates) => certificates ?? []);
    const valid = parsed.every((certificates) => certificates !== undefined);
    need('ca', valid && ca.length > 0, 'must be one or more PEM certificates (-----BEGIN CERTIFICATE-----)');
  }
  if (options.observer !== undefined) {
    need(
      'observer',
      isKeycloakAuthObserver(options.observer),
      'must have the methods authenticated, idpCall and cacheLookup',
    );
  }
  if (options.introspectionBudgetStore !== undefined) {
    need(
      'introspectionBudgetStore',
      isCounterStore(options.introspectionBudgetStore),
      'must have the methods increment and decrement',
    );
  }
  const dpop = resolveDpopOptions(options, need);
  if (problems.length > 0) throw new InvalidKeycloakAuthOptionsError(problems);

  const clientKeys = options.clientAuthMethod === 'private_key_jwt' ? options.clientKeys : undefined;
  const home = resolveRealm(options, options, clientKeys);
  const realms = [home];
  extra.forEach((entry, i) => {
    const realm = resolveRealm(entry, options, clientKeys);
    const same = realms.find((r) => r.issuer === realm.issuer);
    // The issuer picks the realm that checks a token: two realms with one issuer would make that choice ambiguous.
    if (same)
      need(`additionalRealms[${i}].issuer`, false, `${realm.issuer} is already realm ${same.realm}'s`);
    realms.push(realm);
  });
  if (problems.length > 0) throw new InvalidKeycloakAuthOptionsError(problems);

  return {
    ...home,
    mode: options.mode,
    audience,
    algorithms,
    clockToleranceSec: options.clockToleranceSec ?? 5,
    introspectionCacheTtlSec: options.introspectionCacheTtlSec ?? 30,
    introspectionMissesPerMinute: options.introspectionMissesPerMinute ?? 600,
    introspectionBudgetStore: options.introspectionBudgetStore,
    cacheMaxEntries: options.cacheMaxEntries ?? 10_000,
    refreshMarginSec: options.refreshMarginSec ?? 30,
    refreshFraction: options.refreshFraction ?? 0.1,
    httpTimeoutMs: options.httpTimeoutMs ?? 5_000,
    jwksCooldownMs: options.jwksCooldownMs ?? 10_000,
    jwksCacheMaxAgeMs: options.jwksCacheMaxAgeMs ?? 600_000,
    globalGuard: options.globalGuard ?? true,
    realms,
    ca,
    observer: options.observer ?? noopKeycloakAuthObserver,
    ...dpop,
  };
}

/** The options of one realm's verifier or token client: the shared settings with that realm's fields. */
export function optionsForRealm(
  options: ResolvedKeycloakAuthOptions,
  realm: ResolvedRealm,
): ResolvedKeycloakAuthOptions {
  return { ...options, ...realm };
}

function resolveRealm(
  realm: KeycloakRealmOptions,
  defaults: KeycloakAuthOptions,
  clientKeys: ClientKeysOptions | ClientKeySet | undefined,
): ResolvedRealm {
  const url = (realm.url ?? defaults.url).replace(/\/+$/, '');
  const realmUrl = `${url}/realms/${encodeURIComponent(realm.realm)}`;
  return {
    realm: realm.realm,
    url,
    issuer: (realm.issuer ?? realmUrl).replace(/\/+$/, ''),
    clientId: realm.clientId ?? defaults.clientId,
    clientSecret: (realm.clientSecret ?? defaults.clientSecret) || undefined,
    clientAuthMethod: defaults.clientAuthMethod ?? 'client_secret_basic',
    clientKeys,
    clientAssertionFile: defaults.clientAssertionFile,
    endpoints: {
      token: `${realmUrl}/protocol/openid-connect/token`,
      introspection: `${realmUrl}/protocol/openid-connect/token/introspect`,
      jwks: `${realmUrl}/protocol/openid-connect/certs`,
    },
  };
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0;
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

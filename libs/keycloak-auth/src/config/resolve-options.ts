import { AUTH_MODES } from '../core/auth-mode';
import { pemCertificates } from '../transport/keycloak-tls';
import { isKeycloakAuthObserver, noopKeycloakAuthObserver } from '../transport/keycloak-auth.observer';
import { CLIENT_AUTH_METHODS } from './client-auth-method';
import { clientKeysProblems } from './client-keys.options';
import { resolveDpopOptions } from './dpop.options';
import { resolveResourceMetadataOptions } from './resource-metadata.options';
import type {
  ClientAuthOptions,
  KeycloakAuthOptions,
  KeycloakRealmOptions,
  ResolvedClientAuth,
  ResolvedKeycloakAuthOptions,
  ResolvedRealm,
} from './keycloak-auth.options';
import { InvalidKeycloakAuthOptionsError, OptionProblem } from './option-problem';
import { ASYMMETRIC_ALGORITHM } from './algorithms';
import { isCounterStore } from '../core/shared-state';

type Need = (key: string, ok: boolean, why: string) => void;

/** The keys each client authentication method takes besides `method`. */
const CLIENT_AUTH_KEYS = {
  client_secret_basic: 'secret',
  private_key_jwt: 'keys',
  federated_jwt: 'assertionFile',
} as const;

/**
 * Applies defaults and refuses unsafe or incomplete options with an error naming every bad key by its path (e.g.
 * `clientAuth.secret`, `dpop.algorithms`). Pure: it reads no file and logs nothing (the client keys and the
 * assertion file are `loadClientKeys`'s).
 */
export function resolveKeycloakAuthOptions(options: KeycloakAuthOptions): ResolvedKeycloakAuthOptions {
  const problems: OptionProblem[] = [];
  const need: Need = (key, ok, why) => {
    if (!ok) problems.push({ option: key, reason: why });
  };
  need('url', isHttpUrl(options.url), 'must be an http(s) URL');
  need('realm', nonEmpty(options.realm), 'is required');
  need('clientId', nonEmpty(options.clientId), 'is required');
  need('mode', AUTH_MODES.includes(options.mode), `must be one of ${AUTH_MODES.join(', ')}`);
  const audience = [options.audience ?? []].flat().filter(nonEmpty);
  need('audience', audience.length > 0, 'is required: tokens meant for other services must be refused');
  if (options.issuer !== undefined) need('issuer', isHttpUrl(options.issuer), 'must be an http(s) URL');
  const clientAuth = resolveClientAuth(options.clientAuth, options.mode, need, problems);

  const verification = group(options, 'verification', need);
  const algorithms = verification.algorithms ?? ['RS256', 'ES256'];
  need(
    'verification.algorithms',
    Array.isArray(algorithms) &&
      algorithms.length > 0 &&
      algorithms.every((a) => ASYMMETRIC_ALGORITHM.test(a)),
    'must list asymmetric algorithms only (never none or HS*)',
  );
  const introspection = group(options, 'introspection', need);
  const jwks = group(options, 'jwks', need);
  const outgoingTokens = group(options, 'outgoingTokens', need);
  const http = group(options, 'http', need);
  const atLeastZero: [string, number | undefined][] = [
    ['verification.clockToleranceSec', verification.clockToleranceSec],
    ['introspection.cacheTtlSec', introspection.cacheTtlSec],
    ['introspection.missesPerMinute', introspection.missesPerMinute],
    ['outgoingTokens.refreshMarginSec', outgoingTokens.refreshMarginSec],
    ['http.timeoutMs', http.timeoutMs],
    ['jwks.cooldownMs', jwks.cooldownMs],
  ];
  for (const [key, value] of atLeastZero)
    if (value !== undefined) need(key, isNumber(value) && value >= 0, 'must be a number >= 0');
  // 0 would make jose treat the set as stale at every verification: a JWKS fetch per request.
  if (jwks.cacheMaxAgeMs !== undefined)
    need(
      'jwks.cacheMaxAgeMs',
      isNumber(jwks.cacheMaxAgeMs) && jwks.cacheMaxAgeMs > 0,
      'must be a number > 0',
    );
  if (verification.cacheMaxEntries !== undefined) {
    need(
      'verification.cacheMaxEntries',
      Number.isInteger(verification.cacheMaxEntries) && verification.cacheMaxEntries > 0,
      'must be an integer > 0',
    );
  }
  const { refreshFraction } = outgoingTokens;
  if (refreshFraction !== undefined) {
    need(
      'outgoingTokens.refreshFraction',
      isNumber(refreshFraction) && refreshFraction >= 0 && refreshFraction < 1,
      'must be in [0, 1)',
    );
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
      if (entry.clientAuth !== undefined) realmSecretProblems(entry.clientAuth, key, clientAuth, need);
    });
  }
  if (options.realmResolver !== undefined)
    need(
      'realmResolver',
      typeof options.realmResolver === 'function',
      'must be a function (request) => realm name',
    );
  let ca: string[] | undefined;
  if (http.ca !== undefined) {
    const parsed = [http.ca].flat().map((pem) => pemCertificates(pem));
    ca = parsed.flatMap((certificates) => certificates ?? []);
    const valid = parsed.every((certificates) => certificates !== undefined);
    need(
      'http.ca',
      valid && ca.length > 0,
      'must be one or more PEM certificates (-----BEGIN CERTIFICATE-----)',
    );
  }
  if (options.observer !== undefined) {
    need(
      'observer',
      isKeycloakAuthObserver(options.observer),
      'must have the methods authenticated, idpCall and cacheLookup',
    );
  }
  if (introspection.budgetStore !== undefined) {
    need(
      'introspection.budgetStore',
      isCounterStore(introspection.budgetStore),
      'must have the methods increment and decrement',
    );
  }
  const dpop = resolveDpopOptions(group(options, 'dpop', need), need);
  const resourceMetadata = resolveResourceMetadataOptions(options.resourceMetadata, need);
  if (problems.length > 0 || clientAuth === undefined) throw new InvalidKeycloakAuthOptionsError(problems);

  const home = resolveRealm(options, options, clientAuth);
  const realms = [home];
  extra.forEach((entry, i) => {
    const realm = resolveRealm(entry, options, entry.clientAuth ?? clientAuth);
    const same = realms.find((r) => r.issuer === realm.issuer);
    // The issuer picks the realm that checks a token: two realms with one issuer would make that choice ambiguous.
    if (same)
      need(`additionalRealms[${i}].issuer`, false, `${realm.issuer} is already realm ${same.realm}'s`);
    realms.push(realm);
  });
  if (problems.length > 0) throw new InvalidKeycloakAuthOptionsError(problems);

  return {
    home,
    realms,
    mode: options.mode,
    audience,
    verification: {
      algorithms,
      clockToleranceSec: verification.clockToleranceSec ?? 5,
      cacheMaxEntries: verification.cacheMaxEntries ?? 10_000,
    },
    introspection: {
      cacheTtlSec: introspection.cacheTtlSec ?? 30,
      missesPerMinute: introspection.missesPerMinute ?? 600,
      budgetStore: introspection.budgetStore,
    },
    jwks: {
      cooldownMs: jwks.cooldownMs ?? 10_000,
      cacheMaxAgeMs: jwks.cacheMaxAgeMs ?? 600_000,
    },
    dpop,
    outgoingTokens: {
      refreshMarginSec: outgoingTokens.refreshMarginSec ?? 30,
      refreshFraction: refreshFraction ?? 0.1,
    },
    http: { timeoutMs: http.timeoutMs ?? 5_000, ca },
    globalGuard: options.globalGuard ?? true,
    realmResolver: options.realmResolver,
    observer: options.observer ?? noopKeycloakAuthObserver,
    resourceMetadata,
  };
}

/** One option group (`verification`, `dpop`, …): an object or nothing; anything else is named and read as empty. */
function group<K extends 'verification' | 'introspection' | 'jwks' | 'dpop' | 'outgoingTokens' | 'http'>(
  options: KeycloakAuthOptions,
  key: K,
  need: Need,
): NonNullable<KeycloakAuthOptions[K]> {
  const value: unknown = options[key];
  const ok = value === undefined || (typeof value === 'object' && value !== null && !Array.isArray(value));
  need(key, ok, 'must be an object');
  return (ok && value !== undefined ? value : {}) as NonNullable<KeycloakAuthOptions[K]>;
}

/**
 * `clientAuth`, checked branch by branch of its `method`: the branch's own key is required and the other branches'
 * keys are refused (a secret next to a signed-JWT method is a mistake, not a fallback). Undefined when refused.
 */
function resolveClientAuth(
  given: ClientAuthOptions | undefined,
  mode: string,
  need: Need,
  problems: OptionProblem[],
): ResolvedClientAuth | undefined {
  const methods = CLIENT_AUTH_METHODS.join(', ');
  if (given === undefined) {
    need('clientAuth', mode !== 'introspection', `is required in introspection mode (method ${methods})`);
    return { method: 'client_secret_basic' };
  }
  if (typeof given !== 'object' || given === null) {
    need('clientAuth', false, `must be an object with a method (${methods})`);
    return undefined;
  }
  const method = (given as { method?: unknown }).method;
  if (!CLIENT_AUTH_METHODS.includes(method as never)) {
    need('clientAuth.method', false, `must be one of ${methods}`);
    return undefined;
  }
  const own = CLIENT_AUTH_KEYS[given.method];
  for (const key of Object.keys(given)) {
    if (key === 'method' || key === own || (given as unknown as Record<string, unknown>)[key] === undefined)
      continue;
    const why =
      key === 'secret'
        ? `must not be set with method ${given.method} (it authenticates without a shared secret)`
        : `is not an option of method ${given.method}`;
    need(`clientAuth.${key}`, false, why);
  }
  const before = problems.length;
  switch (given.method) {
    case 'client_secret_basic':
      need('clientAuth.secret', nonEmpty(given.secret), 'is required with method client_secret_basic');
      break;
    case 'private_key_jwt':
      problems.push(...clientKeysProblems(given.keys));
      break;
    case 'federated_jwt':
      need(
        'clientAuth.assertionFile',
        nonEmpty(given.assertionFile),
        'is required with method federated_jwt (the file holding the token, e.g. a projected service-account token)',
      );
      break;
  }
  if (problems.length > before) return undefined;
  switch (given.method) {
    case 'client_secret_basic':
      return { method: given.method, secret: given.secret };
    case 'private_key_jwt':
      return { method: given.method, keys: given.keys };
    case 'federated_jwt':
      return { method: given.method, assertionFile: given.assertionFile };
  }
}

/** An additional realm's `clientAuth`: its own secret, only where the home realm authenticates with a secret too. */
function realmSecretProblems(
  given: unknown,
  key: string,
  home: ResolvedClientAuth | undefined,
  need: Need,
): void {
  if (typeof given !== 'object' || given === null)
    return need(`${key}.clientAuth`, false, 'must be an object with method client_secret_basic');
  const { method, secret, ...rest } = given as Record<string, unknown>;
  if (method !== 'client_secret_basic')
    return need(
      `${key}.clientAuth.method`,
      false,
      'must be client_secret_basic (the signed-JWT methods are the same in every realm: set them in clientAuth)',
    );
  if (home !== undefined && home.method !== 'client_secret_basic')
    return need(
      `${key}.clientAuth`,
      false,
      `must not be set with clientAuth method ${home.method} (the same in every realm)`,
    );
  need(`${key}.clientAuth.secret`, nonEmpty(secret), 'is required with method client_secret_basic');
  for (const other of Object.keys(rest))
    need(`${key}.clientAuth.${other}`, false, 'is not an option of method client_secret_basic');
}

function resolveRealm(
  realm: Omit<KeycloakRealmOptions, 'clientAuth'>,
  defaults: KeycloakAuthOptions,
  clientAuth: ResolvedClientAuth,
): ResolvedRealm {
  const url = (realm.url ?? defaults.url).replace(/\/+$/, '');
  const realmUrl = `${url}/realms/${encodeURIComponent(realm.realm)}`;
  return {
    realm: realm.realm,
    url,
    issuer: (realm.issuer ?? realmUrl).replace(/\/+$/, ''),
    clientId: realm.clientId ?? defaults.clientId,
    clientAuth,
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

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
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

import { Logger } from '@nestjs/common';
import type {
  RealmResolverRequest,
  ResolvedKeycloakAuthOptions,
  ResolvedRealm,
} from '../config/keycloak-auth.options';
import { InvalidTokenError } from '../core/errors';
import { claimedIssuer, looksLikeJwt } from '../core/unverified-token';

const logger = new Logger('KeycloakAuth');

const noRealm = () =>
  new InvalidTokenError('token_issuer_invalid', 'no realm accepts tokens for this request');

/** A resolver's answer as a log shows it: short, and only what a realm name may hold. */
const shown = (value: unknown) =>
  typeof value === 'string' ? JSON.stringify(value.slice(0, 64)) : `a ${typeof value}`;

/**
 * The realm the `realmResolver` option chooses for `request`, or undefined without a resolver (every configured
 * realm may verify). A resolver that names no configured realm, answers undefined or throws refuses the request
 * with 401 `invalid_token`: the choice only narrows the configured realms, it never adds an issuer. A name outside
 * the list and a throw are configuration problems, logged as such.
 */
export function realmOfRequest(
  request: RealmResolverRequest,
  options: Pick<ResolvedKeycloakAuthOptions, 'realms' | 'realmResolver'>,
): ResolvedRealm | undefined {
  const resolver = options.realmResolver;
  if (!resolver) return undefined;
  let name: unknown;
  try {
    name = resolver(request);
  } catch (error) {
    logger.error(
      `realmResolver threw (${error instanceof Error ? error.name : typeof error}): request refused; a configuration problem`,
    );
    throw noRealm();
  }
  if (name === undefined) throw noRealm();
  const realm = options.realms.find((r) => r.realm === name);
  if (!realm) {
    const configured = options.realms.map((r) => r.realm).join(', ');
    logger.error(
      `realmResolver chose ${shown(name)}, which is not a configured realm (${configured}): request refused; a configuration problem`,
    );
    throw noRealm();
  }
  return realm;
}

/** Refuses, before any call to Keycloak, a token whose (unverified) `iss` is not `realm`'s issuer. */
export function assertTokenOfRealm(token: string, realm: ResolvedRealm): void {
  if (!looksLikeJwt(token)) throw new InvalidTokenError('token_malformed', 'token malformed');
  if (claimedIssuer(token) !== realm.issuer)
    throw new InvalidTokenError('token_issuer_invalid', 'token issuer not accepted for this request');
}

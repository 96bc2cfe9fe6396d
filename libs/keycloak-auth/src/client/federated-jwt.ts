import { readFile } from 'node:fs/promises';
import { decodeJwt } from 'jose';
import type * as oidc from 'openid-client';
import { systemClock, type Clock } from '../core/clock';
import { ClientConfigurationError } from '../core/errors';

/** The `client_assertion_type` of a JWT used as client credentials (RFC 7523 §2.2). */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * `federated_jwt` client authentication: the `client_assertion` (RFC 7523 §2.2) is a token another issuer gave this
 * workload — a Kubernetes projected service-account token — read from `file`. Keycloak's "Signed JWT – Federated"
 * authenticator (`federated-jwt`) checks it against the identity provider whose issuer it names and finds the client
 * by its `sub`. The file is read again at every call: the kubelet replaces it before the token expires (at 80 % of
 * its life), so a cached copy could outlive it; a file read is cheaper than the network call it authenticates.
 */
export function federatedJwt(file: string, clock: Clock = systemClock): oidc.ClientAuth {
  // openid-client awaits a ClientAuth's promise (oauth4webapi's ClientAuth type); its own type says void.
  return (async (_as, client, body) => {
    const assertion = await readAssertion(file, clock);
    body.set('client_id', client.client_id);
    body.set('client_assertion_type', JWT_BEARER_ASSERTION_TYPE);
    body.set('client_assertion', assertion);
  }) as oidc.ClientAuth;
}

/**
 * The file's token, refused here when it cannot be sent (unreadable, not a JWT, expired): Keycloak would refuse
 * it as `invalid_client` anyway, and this error names the file. Never quotes the token.
 */
async function readAssertion(file: string, clock: Clock): Promise<string> {
  let token: string;
  try {
    token = (await readFile(file, 'utf8')).trim();
  } catch (error) {
    throw refused(`cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, file);
  }
  let exp: unknown;
  try {
    exp = decodeJwt(token).exp;
  } catch {
    throw refused('holds no JWT', file);
  }
  if (typeof exp === 'number' && exp * 1000 <= clock.now())
    throw refused(`holds a token that expired at ${new Date(exp * 1000).toISOString()}`, file);
  return token;
}

function refused(why: string, file: string): ClientConfigurationError {
  return new ClientConfigurationError(
    `the client assertion file ${file} ${why}: this service cannot authenticate to Keycloak`,
  );
}

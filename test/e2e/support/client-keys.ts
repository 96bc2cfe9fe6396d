import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { ClientKeySet } from 'nest-keycloak-s2s/client-keys';

/**
 * The key folders of the e2e run, one per client (`<here>/<client>`), made afresh by the global setup: both
 * chains it starts, every service a spec starts, and the specs' own token requests sign with these keys, and the
 * realm's clients read them from the jwt chain's `/.well-known/jwks.json`.
 */
export const E2E_KEYS_DIR = join(__dirname, '..', '..', '..', '.keys', 'e2e');

/** The key folder of `clientId` in the e2e run. */
export function keysDirOf(clientId: string): string {
  return join(E2E_KEYS_DIR, clientId);
}

/** The environment that makes a service started by a spec sign with its client's e2e keys (private_key_jwt). */
export function signedJwtEnv(clientId: string): Record<string, string> {
  return { CLIENT_AUTH_METHOD: 'private_key_jwt', CLIENT_KEYS_DIR: keysDirOf(clientId) };
}

/**
 * The form fields that authenticate `clientId` at `issuer` with a signed JWT (RFC 7523 §2.2), as the services
 * send them: the current key of `dir` (default: its e2e folder), `aud` = the issuer, a fresh `jti`, one minute of
 * life. `claims` overrides claims.
 */
export async function clientAssertionForm(
  clientId: string,
  issuer: string,
  claims: Record<string, unknown> = {},
  dir = keysDirOf(clientId),
): Promise<Record<string, string>> {
  const { privateKey, kid, alg } = new ClientKeySet({ dir }).signingKey();
  const assertion = await new SignJWT({ jti: randomUUID(), ...claims })
    .setProtectedHeader({ alg, kid })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(issuer)
    .setIssuedAt()
    .setExpirationTime('60s')
    .sign(privateKey);
  return {
    client_id: clientId,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
  };
}

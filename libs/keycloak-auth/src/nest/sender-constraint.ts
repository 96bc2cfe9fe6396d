import { InvalidDpopProofError, InvalidTokenError } from '../core/errors';
import { AuthenticatedRequest, Credential, requestCredential } from './bearer-token';
import { Principal } from '../core/principal';
import { DpopPolicy } from '../config/dpop.options';
import { DpopProofVerifier } from '../verification/dpop-proof.verifier';
import { requestHtu } from '../verification/htu';

/** The `cnf.jkt` a token is bound to (RFC 9449 §6.1), when it is DPoP-bound; other `cnf` members are ignored. */
export function boundKeyThumbprint(claims: Readonly<Record<string, unknown>>): string | undefined {
  const cnf = claims.cnf;
  if (typeof cnf !== 'object' || cnf === null) return undefined;
  const jkt = (cnf as Record<string, unknown>).jkt;
  return typeof jkt === 'string' && jkt !== '' ? jkt : undefined;
}

/**
 * The DPoP rules for a token sent as a bearer token: never a bound one (RFC 9449 §7.2: whoever stole it would
 * need the key too), and none where the route requires DPoP. Synchronous: no proof to check.
 */
export function assertBearerAllowed(principal: Principal, policy: DpopPolicy): void {
  if (boundKeyThumbprint(principal.claims) !== undefined)
    throw new InvalidTokenError('dpop_bound_token_as_bearer', 'DPoP-bound token sent as a bearer token');
  if (policy === 'required')
    throw new InvalidTokenError('dpop_required', 'this route requires a DPoP-bound token and proof');
}

/**
 * Enforces the DPoP rules on a verified token: a bound token (`cnf.jkt`) never passes as a bearer token (RFC 9449
 * §7.2: whoever stole it would need the key too); under `required` only a DPoP-bound token does; under the DPoP
 * scheme the token must be bound and come with exactly one `DPoP` proof for this request, signed by that key.
 */
export async function assertSenderConstraint(
  request: AuthenticatedRequest,
  credential: Credential,
  principal: Principal,
  policy: DpopPolicy,
  proofs: DpopProofVerifier,
  origin?: string,
): Promise<void> {
  if (credential.scheme === 'Bearer') return assertBearerAllowed(principal, policy);
  const jkt = boundKeyThumbprint(principal.claims);
  if (policy === 'off') throw new InvalidTokenError('dpop_not_accepted', 'DPoP tokens are not accepted here');
  if (jkt === undefined)
    throw new InvalidTokenError('dpop_token_not_bound', 'token sent with the DPoP scheme is not DPoP-bound');
  const { proof } = requestCredential(request);
  if (proof instanceof InvalidDpopProofError) throw proof;
  if (proof === undefined) throw new InvalidDpopProofError('dpop_proof_missing', 'DPoP proof missing');
  const url = requestHtu(request, origin);
  if (url === undefined) throw new InvalidDpopProofError('dpop_proof_uri_mismatch', 'request URI unknown');
  await proofs.verify(proof, { method: request.method ?? '', url, accessToken: credential.token, jkt });
}

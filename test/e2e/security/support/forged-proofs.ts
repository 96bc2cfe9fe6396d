import { randomUUID } from 'node:crypto';
import { exportJWK, JWK, SignJWT, UnsecuredJWT } from 'jose';
import type { DpopProofMaker } from 'nest-keycloak-s2s/dpop';
import { accessTokenHash } from '../../support/dpop';

// DPoP proofs an attacker (or a broken client) can make: each starts from a valid proof of the key and changes
// the one thing the case is about. The valid ones come from the library's DpopProofMaker.

/** What a crafted proof changes of a valid one: its claims, its header, and how it is signed. */
export interface ProofPatch {
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
  /** `none`: no signature; `HS256`: a MAC with a secret of the attacker's. Default: the key's ES256 signature. */
  sign?: 'none' | 'HS256';
}

async function publicJwk(key: DpopProofMaker): Promise<JWK> {
  const { kty, crv, x, y } = await exportJWK(key.keyPair.publicKey);
  return { kty, crv, x, y };
}

/** A proof by `key` for `POST url` bound to `token`, with `patch` applied (fields set to undefined are left out). */
export async function craftedProof(
  key: DpopProofMaker,
  url: string,
  token: string,
  patch: ProofPatch = {},
): Promise<string> {
  const claims = {
    htm: 'POST',
    htu: url,
    iat: Math.floor(Date.now() / 1000),
    jti: randomUUID(),
    ath: accessTokenHash(token),
    ...patch.claims,
  };
  const header = { alg: 'ES256', typ: 'dpop+jwt', jwk: await publicJwk(key), ...patch.header };
  const defined = <T extends object>(value: T) =>
    Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
  if (patch.sign === 'none') {
    const unsigned = new UnsecuredJWT(defined(claims)).encode();
    const forged = Buffer.from(JSON.stringify(defined({ ...header, alg: 'none' }))).toString('base64url');
    return unsigned.replace(/^[^.]+/, forged);
  }
  if (patch.sign === 'HS256')
    return new SignJWT(defined(claims))
      .setProtectedHeader({ ...defined(header), alg: 'HS256' } as { alg: string })
      .sign(new TextEncoder().encode('an attacker-chosen secret of 32 bytes'));
  return new SignJWT(defined(claims))
    .setProtectedHeader(defined(header) as { alg: string })
    .sign(key.keyPair.privateKey);
}

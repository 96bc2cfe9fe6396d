import { createHash } from 'node:crypto';
import { CryptoKey, importJWK, JWK } from 'jose';
import { LRUCache } from 'lru-cache';

/** The members of a public JWK its RFC 7638 thumbprint is computed from, by key type, in lexicographic order. */
const THUMBPRINT_MEMBERS: Record<string, readonly string[]> = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
};

/**
 * The RFC 7638 SHA-256 thumbprint of a public JWK (what `cnf.jkt` names), computed at once; undefined when the
 * JWK lacks a required member. The same value as jose's `calculateJwkThumbprint`, without its promise.
 */
export function jwkThumbprint(jwk: JWK): string | undefined {
  const members = typeof jwk.kty === 'string' ? THUMBPRINT_MEMBERS[jwk.kty] : undefined;
  if (!members) return undefined;
  const required: Record<string, string> = {};
  for (const member of members) {
    const value = (jwk as Record<string, unknown>)[member];
    if (typeof value !== 'string' || value === '') return undefined;
    required[member] = value;
  }
  return createHash('sha256').update(JSON.stringify(required)).digest('base64url');
}

/**
 * The public keys of DPoP proofs (their `jwk` header), imported once per key and algorithm: a client proves with
 * the same key on every call, and importing a JWK costs more than checking a signature with it. The import is
 * keyed by the key's thumbprint, which commits to exactly the members imported; bounded (LRU).
 */
export class ProofKeys {
  private readonly imported: LRUCache<string, CryptoKey>;

  constructor(maxEntries: number) {
    this.imported = new LRUCache({ max: maxEntries });
  }

  /**
   * The CryptoKey of a proof's public `jwk` for `alg`, imported on first use. `thumbprint` is the JWK's
   * ({@link jwkThumbprint}), when the caller has it already; a JWK without one is imported every time.
   */
  async keyFor(jwk: JWK, alg: string, thumbprint = jwkThumbprint(jwk)): Promise<CryptoKey> {
    const cacheKey = thumbprint === undefined ? undefined : `${alg} ${thumbprint}`;
    const known = cacheKey === undefined ? undefined : this.imported.get(cacheKey);
    if (known) return known;
    const members = thumbprint === undefined ? jwk : requiredMembers(jwk);
    const key = await importJWK({ ...members, ext: true }, alg);
    if ((key as Partial<CryptoKey>).type !== 'public') throw new Error('jwk is not a public key');
    if (cacheKey !== undefined) this.imported.set(cacheKey, key as CryptoKey);
    return key as CryptoKey;
  }
}

/** Only the members the thumbprint covers: what is cached under it is exactly what it names. */
function requiredMembers(jwk: JWK): JWK {
  const picked: Record<string, unknown> = {};
  for (const member of THUMBPRINT_MEMBERS[jwk.kty as string])
    picked[member] = (jwk as Record<string, unknown>)[member];
  return picked as JWK;
}

import { CryptoKey, importJWK, JWK } from 'jose';
import { LRUCache } from 'lru-cache';
import { jwkThumbprint, THUMBPRINT_MEMBERS } from '../core/jwk-thumbprint';

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

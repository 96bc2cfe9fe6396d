import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { jwkThumbprint, ProofKeys } from './proof-keys';

describe('jwkThumbprint', () => {
  it.each([
    ['EC P-256', 'ES256'],
    ['RSA', 'PS256'],
    ['OKP Ed25519', 'EdDSA'],
  ])("equals jose's RFC 7638 thumbprint for a public %s key", async (_name, alg) => {
    const { publicKey } = await generateKeyPair(alg, { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), alg, use: 'sig' };
    expect(jwkThumbprint(jwk)).toBe(await calculateJwkThumbprint(jwk, 'sha256'));
  });

  it('is undefined for a key type it does not know or a missing member', () => {
    expect(jwkThumbprint({ kty: 'oct', k: 'c2VjcmV0' })).toBeUndefined();
    expect(jwkThumbprint({ kty: 'EC', crv: 'P-256', x: 'abc' })).toBeUndefined();
  });
});

describe('ProofKeys', () => {
  it('imports a proof key once per key and algorithm, and refuses a private one', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(publicKey);
    const keys = new ProofKeys(10);
    const first = await keys.keyFor(jwk, 'ES256');
    expect(first.type).toBe('public');
    expect(await keys.keyFor({ ...jwk }, 'ES256')).toBe(first);
    const other = await generateKeyPair('ES256', { extractable: true });
    expect(await keys.keyFor(await exportJWK(other.publicKey), 'ES256')).not.toBe(first);
    await expect(keys.keyFor(await exportJWK(privateKey), 'ES256')).resolves.toMatchObject({
      type: 'public', // the thumbprint's members only: a private key's `d` is never imported
    });
    // A JWK without its members has no thumbprint and is imported as it is: jose refuses it.
    await expect(keys.keyFor({ kty: 'EC', crv: 'P-256' }, 'ES256')).rejects.toThrow();
  });
});

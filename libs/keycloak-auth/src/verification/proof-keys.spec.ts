import { exportJWK, generateKeyPair } from 'jose';
import { ProofKeys } from './proof-keys';

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

import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { jwkThumbprint } from './jwk-thumbprint';

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

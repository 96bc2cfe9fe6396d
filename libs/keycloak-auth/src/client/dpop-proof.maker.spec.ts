import {
  calculateJwkThumbprint,
  compactVerify,
  decodeJwt,
  decodeProtectedHeader,
  generateKeyPair,
  importJWK,
} from 'jose';
import { noopKeycloakAuthObserver } from '../transport/keycloak-auth.observer';
import { TestClock } from '../testing/local-idp';
import { DpopProofVerifier } from '../verification/dpop-proof.verifier';
import { accessTokenHash } from '../core/access-token-hash';
import { DpopKeyPair, DpopProofMaker, proofAlgorithmOf } from './dpop-proof.maker';

const URL_C = 'http://service-c:3002/api/compute';

describe('DpopProofMaker', () => {
  let clock: TestClock;
  let maker: DpopProofMaker;

  beforeEach(async () => {
    clock = new TestClock(1_800_000_000_000);
    maker = new DpopProofMaker(await generateKeyPair('ES256'), clock);
  });

  it('makes an RFC 9449 §4.2 proof: dpop+jwt, ES256, public jwk, htm, htu without query, iat, jti, ath', async () => {
    const proof = await maker.proof('POST', `${URL_C}?debug=1#x`, 'the-token');
    const header = decodeProtectedHeader(proof);
    expect(header).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256' } });
    expect(header.jwk).not.toHaveProperty('d');
    expect(decodeJwt(proof)).toEqual({
      htm: 'POST',
      htu: URL_C,
      iat: 1_800_000_000,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      ath: accessTokenHash('the-token'),
    });
  });

  it('gives each proof its own jti and no ath without a token (the token endpoint’s kind)', async () => {
    const [a, b] = [decodeJwt(await maker.proof('POST', URL_C)), decodeJwt(await maker.proof('POST', URL_C))];
    expect(a.jti).not.toBe(b.jti);
    expect(a).not.toHaveProperty('ath');
  });

  it('makes proofs the library’s verifier accepts for the key’s thumbprint (cnf.jkt)', async () => {
    const verifier = new DpopProofVerifier(
      {
        algorithms: ['ES256'],
        maxAgeSec: 60,
        clockToleranceSec: 5,
        cacheMaxEntries: 10,
        observer: noopKeycloakAuthObserver,
      },
      clock,
    );
    const { authorization, dpop } = await maker.headers('POST', URL_C, 'the-token');
    expect(authorization).toBe('DPoP the-token');
    const jkt = await maker.thumbprint();
    expect(jkt).toBe(await calculateJwkThumbprint(decodeProtectedHeader(dpop).jwk!));
    await expect(
      verifier.verify(dpop, { method: 'POST', url: URL_C, accessToken: 'the-token', jkt }),
    ).resolves.toBeUndefined();
  });

  it.each<[string, { alg?: string }]>([
    ['ES256', {}],
    ['PS256', {}],
    ['EdDSA', {}],
    ['ES384 (signed by jose)', { alg: 'ES384' }],
    ['RS256 (signed by jose)', { alg: 'RS256' }],
  ])('signs %s proofs that verify with the public key in their header, every one', async (_name, { alg }) => {
    const algorithm = alg ?? _name;
    const signer = new DpopProofMaker(await generateKeyPair(algorithm), clock, algorithm);
    const proofs = [
      await signer.proof('POST', URL_C, 'token-1'),
      await signer.proof('POST', URL_C, 'token-1'),
      await signer.proof('GET', 'http://other:1/x?q', 'token-2'),
    ];
    for (const proof of proofs) {
      const header = decodeProtectedHeader(proof);
      expect(Object.keys(header).sort()).toEqual(['alg', 'jwk', 'typ']);
      expect(header).toMatchObject({ alg: algorithm, typ: 'dpop+jwt' });
      const key = await importJWK(header.jwk!, algorithm);
      await expect(compactVerify(proof, key, { algorithms: [algorithm] })).resolves.toBeDefined();
    }
    expect(proofs.map((proof) => decodeJwt(proof))).toEqual([
      expect.objectContaining({ htm: 'POST', htu: URL_C, ath: accessTokenHash('token-1') }),
      expect.objectContaining({ htm: 'POST', htu: URL_C, ath: accessTokenHash('token-1') }),
      expect.objectContaining({ htm: 'GET', htu: 'http://other:1/x', ath: accessTokenHash('token-2') }),
    ]);
    const tampered = `${proofs[0].slice(0, proofs[0].lastIndexOf('.'))}.${proofs[1].split('.')[2]}`;
    const key = await importJWK(decodeProtectedHeader(tampered).jwk!, algorithm);
    await expect(compactVerify(tampered, key, { algorithms: [algorithm] })).rejects.toThrow();
  });

  it('refuses, as jose does, a key that is not for the proof algorithm', async () => {
    const signer = new DpopProofMaker(await generateKeyPair('ES384'), clock, 'ES256');
    await expect(signer.proof('POST', URL_C, 'token')).rejects.toThrow();
  });

  it.each([
    ['EdDSA', 'EdDSA', { kty: 'OKP', crv: 'Ed25519' }],
    ['ES256', 'ES256', { kty: 'EC', crv: 'P-256' }],
    ['ES384', 'ES384', { kty: 'EC', crv: 'P-384' }],
    ['PS256', 'PS256', { kty: 'RSA' }],
    ['RS256', 'RS256', { kty: 'RSA' }],
  ] as const)(
    'names its proofs after the key when not told: a %s key signs %s proofs the verifier accepts',
    async (keyAlg, alg, jwk) => {
      const own = new DpopProofMaker(await generateKeyPair(keyAlg), clock);
      const verifier = new DpopProofVerifier(
        {
          algorithms: [alg],
          maxAgeSec: 60,
          clockToleranceSec: 5,
          cacheMaxEntries: 10,
          observer: noopKeycloakAuthObserver,
        },
        clock,
      );
      const proof = await own.proof('POST', URL_C, 'the-token');
      expect(decodeProtectedHeader(proof)).toMatchObject({ alg, jwk });
      const jkt = await own.thumbprint();
      await expect(
        verifier.verify(proof, { method: 'POST', url: URL_C, accessToken: 'the-token', jkt }),
      ).resolves.toBeUndefined();
    },
  );

  it('refuses a key no JWS proof algorithm signs with', async () => {
    const ecdh = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, [
      'deriveBits',
    ]);
    expect(() => new DpopProofMaker(ecdh)).toThrow('a DPoP key must be Ed25519, ECDSA or RSA, not ECDH');
    const p192 = {
      privateKey: { algorithm: { name: 'ECDSA', namedCurve: 'P-192' } },
    } as unknown as DpopKeyPair;
    expect(() => proofAlgorithmOf(p192.privateKey)).toThrow('not ECDSA');
  });

  describe('the resource server’s nonce (RFC 9449 §9)', () => {
    const challenge = 'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce"';

    it('asks for one retry on 401 use_dpop_nonce with a DPoP-Nonce, then puts the nonce in the proofs to that origin', async () => {
      expect(maker.nonceRequired(URL_C, 401, { 'www-authenticate': challenge, 'dpop-nonce': 'n-1' })).toBe(
        true,
      );
      expect(decodeJwt(await maker.proof('POST', URL_C)).nonce).toBe('n-1');
      expect(decodeJwt(await maker.proof('POST', 'http://other:1/x'))).not.toHaveProperty('nonce');
    });

    it('does not retry again for the same nonce (no loop), nor without use_dpop_nonce', async () => {
      const headers = new Headers({ 'www-authenticate': challenge, 'dpop-nonce': 'n-1' });
      expect(maker.nonceRequired(URL_C, 401, headers)).toBe(true);
      expect(maker.nonceRequired(URL_C, 401, headers)).toBe(false);
      expect(
        maker.nonceRequired(URL_C, 401, {
          'www-authenticate': 'DPoP error="invalid_token"',
          'dpop-nonce': 'n-2',
        }),
      ).toBe(false);
      // A new nonce in any answer is kept for the next proofs (§9: the server may rotate it at any time).
      expect(decodeJwt(await maker.proof('POST', URL_C)).nonce).toBe('n-2');
    });

    it('ignores a DPoP-Nonce that is not a valid NQCHAR string, and answers without one', async () => {
      expect(maker.nonceRequired(URL_C, 401, { 'www-authenticate': challenge, 'dpop-nonce': 'a"b' })).toBe(
        false,
      );
      expect(maker.nonceRequired(URL_C, 401, { 'www-authenticate': challenge })).toBe(false);
      expect(decodeJwt(await maker.proof('POST', URL_C))).not.toHaveProperty('nonce');
    });
  });
});

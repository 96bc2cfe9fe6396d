import { createHash, randomUUID } from 'node:crypto';
import {
  calculateJwkThumbprint,
  CryptoKey,
  exportJWK,
  generateKeyPair,
  JWK,
  SignJWT,
  UnsecuredJWT,
} from 'jose';
import {
  InvalidDpopProofError,
  InvalidTokenError,
  KeycloakAuthError,
  StoreUnavailableError,
} from '../core/errors';
import { MemoryReplayStore } from '../transport/memory-stores';
import { noopKeycloakAuthObserver } from '../transport/keycloak-auth.observer';
import { TestClock } from '../testing/local-idp';
import { rejectionOf } from '../../../../test/support/rejection';
import { DpopProofVerifier, ProofExpectations } from './dpop-proof.verifier';

// Proofs are made here by hand with jose (not with DpopProofMaker), so each case changes exactly one thing.

const URL_C = 'http://service-c:3002/api/compute';
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

interface Key {
  privateKey: CryptoKey;
  jwk: JWK;
  jkt: string;
}

async function newKey(alg = 'ES256'): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

describe('DpopProofVerifier', () => {
  let clock: TestClock;
  let verifier: DpopProofVerifier;
  let key: Key;
  let expect_: ProofExpectations;
  const nowSec = () => Math.floor(clock.now() / 1000);

  /** A valid proof for {@link URL_C}, with `claims` and `header` patched over it. */
  const proof = async (
    claims: Record<string, unknown> = {},
    header: Record<string, unknown> = {},
    signer: Key = key,
    alg = 'ES256',
  ) =>
    new SignJWT({ htm: 'POST', htu: URL_C, iat: nowSec(), jti: randomUUID(), ath: ath(TOKEN), ...claims })
      .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk: signer.jwk, ...header })
      .sign(signer.privateKey);

  const refused = async (
    value: string,
    code: string,
    type: typeof InvalidDpopProofError | typeof InvalidTokenError = InvalidDpopProofError,
  ) => {
    const error = (await rejectionOf(verifier.verify(value, expect_))) as KeycloakAuthError;
    expect(error).toBeInstanceOf(type);
    expect(error.code).toBe(code);
    expect(error.getStatus()).toBe(401);
    return error;
  };

  beforeEach(async () => {
    clock = new TestClock();
    verifier = new DpopProofVerifier(
      {
        algorithms: ['ES256', 'PS256', 'RS256', 'EdDSA'],
        maxAgeSec: 60,
        clockToleranceSec: 5,
        cacheMaxEntries: 100,
        observer: noopKeycloakAuthObserver,
      },
      clock,
    );
    key = await newKey();
    expect_ = { method: 'POST', url: URL_C, accessToken: TOKEN, jkt: key.jkt };
  });

  it('accepts a proof of the token’s key for this request', async () => {
    await expect(verifier.verify(await proof(), expect_)).resolves.toBeUndefined();
  });

  it.each(['PS256', 'RS256', 'EdDSA'])('accepts a %s proof', async (alg) => {
    const other = await newKey(alg);
    await verifier.verify(await proof({}, {}, other, alg), { ...expect_, jkt: other.jkt });
  });

  it('accepts an htu that differs only as RFC 3986 normalisation allows, and a query on the request', async () => {
    const value = await proof({ htu: 'HTTP://Service-C:3002/api/%63ompute' });
    await verifier.verify(value, { ...expect_, url: `${URL_C}?x=1` });
  });

  describe('refuses (invalid_dpop_proof)', () => {
    it('a value that is not a compact JWS', async () => {
      await refused('not-a-proof', 'dpop_proof_malformed');
    });

    it.each([
      ['typ JWT', { typ: 'JWT' }],
      ['no typ', { typ: undefined }],
      ['no jwk', { jwk: undefined }],
      ['a jwk that is a string', { jwk: 'key' }],
    ])('a header with %s', async (_name, header) => {
      await refused(await proof({}, header), 'dpop_proof_malformed');
    });

    it('a jwk carrying the private key', async () => {
      const { privateKey } = await generateKeyPair('ES256', { extractable: true });
      const secret = await exportJWK(privateKey);
      await refused(await proof({}, { jwk: secret }), 'dpop_proof_malformed');
    });

    it('alg none (unsigned)', async () => {
      const unsigned = new UnsecuredJWT({ htm: 'POST', htu: URL_C, iat: nowSec(), jti: 'j', ath: ath(TOKEN) })
        .encode()
        .replace(
          /^[^.]+/,
          Buffer.from(JSON.stringify({ alg: 'none', typ: 'dpop+jwt', jwk: key.jwk })).toString('base64url'),
        );
      await refused(unsigned, 'dpop_proof_algorithm_not_allowed');
    });

    it('HS256 (a MAC, whatever its key)', async () => {
      const mac = await new SignJWT({ htm: 'POST', htu: URL_C, iat: nowSec(), jti: 'j', ath: ath(TOKEN) })
        .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: key.jwk })
        .sign(new TextEncoder().encode('a shared secret of thirty-two bytes!'));
      await refused(mac, 'dpop_proof_algorithm_not_allowed');
    });

    it('a signature by another key than the one in jwk', async () => {
      const other = await newKey();
      await refused(await proof({}, { jwk: key.jwk }, other), 'dpop_proof_signature_invalid');
    });

    it('a proof whose header a valid proof had before, signed by another key (the header checked once, the signature every time)', async () => {
      await verifier.verify(await proof(), expect_);
      const forged = await proof({}, {}, { ...(await newKey()), jwk: key.jwk });
      expect(forged.split('.')[0]).toBe((await proof()).split('.')[0]);
      await refused(forged, 'dpop_proof_signature_invalid');
      const tampered = await proof();
      await refused(`${tampered.slice(0, -4)}AAAA`, 'dpop_proof_signature_invalid');
    });

    it('a proof of a known key with another typ, after proofs of that key passed', async () => {
      await verifier.verify(await proof(), expect_);
      await refused(await proof({}, { typ: 'JWT' }), 'dpop_proof_malformed');
    });

    it.each([
      ['no jti', { jti: undefined }],
      ['no htm', { htm: undefined }],
      ['no htu', { htu: undefined }],
      ['no iat', { iat: undefined }],
      ['a jti of 300 characters', { jti: 'j'.repeat(300) }],
    ])('a proof with %s', async (_name, claims) => {
      await refused(await proof(claims), 'dpop_proof_malformed');
    });

    it('another method (htm GET for a POST)', async () => {
      await refused(await proof({ htm: 'GET' }), 'dpop_proof_method_mismatch');
    });

    it.each([
      ['another path', 'http://service-c:3002/api/other'],
      ['another host', 'http://evil:3002/api/compute'],
      ['another scheme', 'https://service-c:3002/api/compute'],
      ['not a URL', 'compute'],
    ])('another URI: %s', async (_name, htu) => {
      await refused(await proof({ htu }), 'dpop_proof_uri_mismatch');
    });

    it.each([
      ['older than 60 s + 5 s tolerance', -66],
      ['more than 5 s in the future', 6],
    ])('an iat %s', async (_name, offset) => {
      await refused(await proof({ iat: nowSec() + offset }), 'dpop_proof_stale');
    });

    it('an iat just inside the window (60 s old)', async () => {
      await verifier.verify(await proof({ iat: nowSec() - 60 }), expect_);
    });

    it.each([
      ['missing', { ath: undefined }],
      ['of another token', { ath: ath(`${TOKEN}x`) }],
    ])('an ath %s', async (_name, claims) => {
      await refused(await proof(claims), 'dpop_proof_ath_mismatch');
    });

    it('the same proof twice (jti replay), also after a minute on the clock', async () => {
      const once = await proof();
      await verifier.verify(once, expect_);
      await refused(once, 'dpop_proof_replayed');
      clock.advance(30_000);
      await refused(once, 'dpop_proof_replayed');
    });

    it('two concurrent uses of one proof: exactly one passes', async () => {
      const once = await proof();
      const results = await Promise.allSettled([
        verifier.verify(once, expect_),
        verifier.verify(once, expect_),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    });
  });

  it('refuses a valid proof of another key than the token’s cnf.jkt with invalid_token on the DPoP scheme', async () => {
    const other = await newKey();
    const error = await refused(await proof({}, {}, other), 'dpop_key_mismatch', InvalidTokenError);
    expect(error.wwwAuthenticate('s2s', { bearer: true, dpopAlgs: ['ES256'] })).toMatch(
      /^DPoP realm="s2s", error="invalid_token", error_description="[^"]+", algs="ES256"$/,
    );
  });

  it('does not record the jti of a refused proof: the same jti in a valid proof still passes', async () => {
    const jti = randomUUID();
    await refused(await proof({ jti, htm: 'GET' }), 'dpop_proof_method_mismatch');
    await verifier.verify(await proof({ jti }), expect_);
  });

  it('keeps at most cacheMaxEntries jtis (bounded, as every cache of the library)', async () => {
    const small = new DpopProofVerifier(
      {
        algorithms: ['ES256'],
        maxAgeSec: 60,
        clockToleranceSec: 5,
        cacheMaxEntries: 2,
        observer: noopKeycloakAuthObserver,
      },
      clock,
    );
    const proofs = await Promise.all([proof(), proof(), proof()]);
    for (const p of proofs) await small.verify(p, expect_);
    expect((small as unknown as { seen: { size: number } }).seen.size).toBe(2);
  });

  describe('with a replay store shared by replicas', () => {
    const settings = { algorithms: ['ES256'], maxAgeSec: 60, clockToleranceSec: 5, cacheMaxEntries: 100 };
    const observer = { ...noopKeycloakAuthObserver, cacheLookup: vi.fn() };

    it('refuses at one replica a proof the other accepted, and keeps each jti for the proof’s age', async () => {
      const store = new MemoryReplayStore(100, clock);
      const remember = vi.spyOn(store, 'rememberOnce');
      const [one, two] = [0, 1].map(
        () => new DpopProofVerifier({ ...settings, replayStore: store, observer }, clock),
      );
      const p = await proof();
      await one.verify(p, expect_);
      const error = (await rejectionOf(two.verify(p, expect_))) as KeycloakAuthError;
      expect(error.code).toBe('dpop_proof_replayed');
      expect(error.getStatus()).toBe(401);
      // The key is a digest (never the jti or the token) and lives until iat + maxAge + tolerance.
      const [key, ttl] = remember.mock.calls[0];
      expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(ttl).toBe((nowSec() + 65) * 1000 - clock.now());
      expect(observer.cacheLookup.mock.calls.map(([event]) => event)).toEqual([
        { cache: 'dpop_jti', result: 'miss' },
        { cache: 'dpop_jti', result: 'hit' },
      ]);
    });

    it('refuses a valid proof with 503 replay_store_unavailable when the store cannot answer: never unchecked', async () => {
      const down = { rememberOnce: () => Promise.reject(new Error('ECONNREFUSED')) };
      const offline = new DpopProofVerifier({ ...settings, replayStore: down, observer }, clock);
      const error = (await rejectionOf(offline.verify(await proof(), expect_))) as StoreUnavailableError;
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error.code).toBe('replay_store_unavailable');
      expect(error.getStatus()).toBe(503);
      expect(error.retryAfterSec).toBe(1);
      expect(error.wwwAuthenticate('s2s', { bearer: true, dpopAlgs: ['ES256'] })).toBeUndefined();
    });

    it('asks the store nothing for a proof refused by another check', async () => {
      const store = { rememberOnce: vi.fn(() => Promise.resolve(true)) };
      const checked = new DpopProofVerifier({ ...settings, replayStore: store, observer }, clock);
      await refused(await proof({ htm: 'GET' }), 'dpop_proof_method_mismatch');
      await rejectionOf(checked.verify(await proof({ htm: 'GET' }), expect_));
      expect(store.rememberOnce).not.toHaveBeenCalled();
    });
  });
});

import { randomUUID, webcrypto } from 'node:crypto';
import { CompactSign, CryptoKey, exportJWK, JWK } from 'jose';
import { jwkThumbprint } from '../core/jwk-thumbprint';
import { Clock, systemClock } from '../core/clock';
import { accessTokenHash } from '../core/access-token-hash';

/** A key pair proofs are signed with: this process's own, generated at start (see `DPOP_KEY`). */
export interface DpopKeyPair {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

/** The headers of one DPoP request to a resource server (RFC 9449 §7.1). */
export interface DpopRequestHeaders {
  authorization: string;
  dpop: string;
}

/** Headers a resource server answered with, as undici or fetch hand them over. */
type AnswerHeaders = Record<string, string | string[] | undefined> | { get(name: string): string | null };

function header(headers: AnswerHeaders, name: string): string | undefined {
  const value =
    headers.get instanceof Function ? headers.get(name) : (headers as Record<string, unknown>)[name];
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}

/** The WebCrypto description of a key, as far as it names a JWS algorithm. */
interface KeyAlgorithmParts {
  name: string;
  namedCurve?: string;
  hash?: { name: string };
}

/**
 * The JWS `alg` a proof signed with `key` says: `EdDSA` for Ed25519 (the name Keycloak accepts), `ES256`/`ES384`/
 * `ES512` by the ECDSA curve, `PS…` or `RS…` by the RSA key's hash. Throws for any other key.
 */
export function proofAlgorithmOf(key: CryptoKey): string {
  const { name, namedCurve, hash } = key.algorithm as KeyAlgorithmParts;
  const bits = hash?.name.replace(/^SHA-/, '');
  if (name === 'Ed25519') return 'EdDSA';
  if (name === 'ECDSA') {
    const alg = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' }[namedCurve ?? ''];
    if (alg) return alg;
  }
  if (name === 'RSA-PSS' && bits) return `PS${bits}`;
  if (name === 'RSASSA-PKCS1-v1_5' && bits) return `RS${bits}`;
  throw new TypeError(`a DPoP key must be Ed25519, ECDSA or RSA, not ${name}`);
}

/**
 * WebCrypto's parameters for signing a JWS with each proof algorithm (RFC 7518 §3.4-3.5, RFC 8037 §3.1), and
 * whether a key is one for it; any other algorithm or key is signed by jose.
 */
interface WebSigner {
  params: webcrypto.AlgorithmIdentifier | webcrypto.RsaPssParams | webcrypto.EcdsaParams;
  fits: (key: CryptoKey) => boolean;
}

const SIGNERS: Readonly<Record<string, WebSigner>> = {
  ES256: {
    params: { name: 'ECDSA', hash: 'SHA-256' },
    fits: (key) =>
      key.algorithm.name === 'ECDSA' && (key.algorithm as webcrypto.EcKeyAlgorithm).namedCurve === 'P-256',
  },
  PS256: {
    params: { name: 'RSA-PSS', saltLength: 32 },
    fits: (key) =>
      key.algorithm.name === 'RSA-PSS' &&
      (key.algorithm as webcrypto.RsaHashedKeyAlgorithm).hash.name === 'SHA-256' &&
      (key.algorithm as webcrypto.RsaHashedKeyAlgorithm).modulusLength >= 2048,
  },
  EdDSA: { params: { name: 'Ed25519' }, fits: (key) => key.algorithm.name === 'Ed25519' },
};

/** The WebCrypto signer of `alg` when `key` is a private key of it, else null (jose signs). */
function webSignerFor(alg: string, key: CryptoKey): WebSigner | null {
  const signer = SIGNERS[alg];
  return signer !== undefined && signer.fits(key) && key.type === 'private' ? signer : null;
}

/** A proof's URL parts, by URL: a service calls few. */
interface Target {
  origin: string;
  htu: string;
}

const MAX_TARGETS = 64;
const encoder = new TextEncoder();
const base64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

/**
 * Makes this service's DPoP proofs (RFC 9449 §4.2) for its own calls to resource servers: `typ: dpop+jwt`, the
 * public key in `jwk`, `htm`, `htu` (without query and fragment), `iat`, a random `jti`, `ath` of the access token
 * and the server's latest `DPoP-Nonce` for that origin (§9). The token endpoint's proofs are openid-client's,
 * made with the same key, so tokens bound at Keycloak match the proofs made here.
 */
export class DpopProofMaker {
  private readonly nonces = new Map<string, string>();
  private readonly targets = new Map<string, Target>();
  private publicJwk?: Promise<JWK>;
  /** The proofs' protected header, base64url: the same in every proof (alg, typ, this key). */
  private header?: Promise<string>;
  /** The last access token's `ath`: a service sends one token for many calls, until it is renewed. */
  private lastAth?: { token: string; ath: string };
  /** The WebCrypto signer for this key, or null where jose signs; worked out at the first proof. */
  private webSigner?: WebSigner | null;

  constructor(
    readonly keyPair: DpopKeyPair,
    private readonly clock: Clock = systemClock,
    /** The proofs' `alg`: the key pair's algorithm. Default: the one {@link proofAlgorithmOf} names for the key. */
    private readonly alg = proofAlgorithmOf(keyPair.privateKey),
  ) {}

  /**
   * A proof for one request to `url` with `method`, bound to `accessToken` when given. Its header is encoded once
   * and the JWS signed with WebCrypto directly for the key algorithms the library makes (jose otherwise).
   */
  async proof(method: string, url: string, accessToken?: string): Promise<string> {
    const { origin, htu } = this.target(url);
    const claims: Record<string, string | number> = { htm: method, htu };
    if (accessToken !== undefined) claims.ath = this.ath(accessToken);
    const nonce = this.nonces.get(origin);
    if (nonce !== undefined) claims.nonce = nonce;
    claims.iat = Math.floor(this.clock.now() / 1000);
    claims.jti = randomUUID();
    const key = this.keyPair.privateKey;
    // Which way this key signs is decided once: the key and the algorithm do not change.
    if (this.webSigner === undefined) this.webSigner = webSignerFor(this.alg, key);
    const signer = this.webSigner;
    if (signer === null) {
      return new CompactSign(encoder.encode(JSON.stringify(claims)))
        .setProtectedHeader({ alg: this.alg, typ: 'dpop+jwt', jwk: await this.jwk() })
        .sign(key);
    }
    this.header ??= this.jwk().then((jwk) =>
      base64url(JSON.stringify({ alg: this.alg, typ: 'dpop+jwt', jwk })),
    );
    const input = `${await this.header}.${base64url(JSON.stringify(claims))}`;
    const signature = await webcrypto.subtle.sign(
      signer.params,
      key as webcrypto.CryptoKey,
      encoder.encode(input),
    );
    return `${input}.${base64url(new Uint8Array(signature))}`;
  }

  private target(url: string): Target {
    let target = this.targets.get(url);
    if (target === undefined) {
      const { origin, pathname } = new URL(url);
      target = { origin, htu: `${origin}${pathname}` };
      if (this.targets.size >= MAX_TARGETS) this.targets.clear();
      this.targets.set(url, target);
    }
    return target;
  }

  private ath(accessToken: string): string {
    if (this.lastAth?.token !== accessToken)
      this.lastAth = { token: accessToken, ath: accessTokenHash(accessToken) };
    return this.lastAth.ath;
  }

  /** `Authorization: DPoP <token>` and a fresh `DPoP` proof for one request. */
  async headers(method: string, url: string, accessToken: string): Promise<DpopRequestHeaders> {
    return { authorization: `DPoP ${accessToken}`, dpop: await this.proof(method, url, accessToken) };
  }

  /**
   * Reads a resource server's answer to a DPoP request: keeps its `DPoP-Nonce` for the next proofs to that origin,
   * and says whether the request should be sent once more with it — a 401 whose challenge is `use_dpop_nonce`
   * (RFC 9449 §9).
   */
  nonceRequired(url: string, status: number, headers: AnswerHeaders): boolean {
    const nonce = header(headers, 'dpop-nonce');
    if (nonce === undefined || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(nonce)) return false;
    const origin = new URL(url).origin;
    const changed = this.nonces.get(origin) !== nonce;
    this.nonces.set(origin, nonce);
    return (
      status === 401 && changed && /error="use_dpop_nonce"/.test(header(headers, 'www-authenticate') ?? '')
    );
  }

  /** The JWK SHA-256 thumbprint of this key: the `cnf.jkt` of the tokens bound to it (RFC 9449 §6.1). */
  async thumbprint(): Promise<string> {
    // An exported EC, OKP or RSA key has every member the thumbprint needs.
    return jwkThumbprint(await this.jwk())!;
  }

  private jwk(): Promise<JWK> {
    this.publicJwk ??= exportJWK(this.keyPair.publicKey).then(({ kty, crv, x, y, n, e }) =>
      Object.fromEntries(Object.entries({ kty, crv, x, y, n, e }).filter(([, v]) => v !== undefined)),
    );
    return this.publicJwk;
  }
}

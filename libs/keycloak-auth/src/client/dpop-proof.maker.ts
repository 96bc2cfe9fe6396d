import { randomUUID } from 'node:crypto';
import { CryptoKey, exportJWK, JWK, SignJWT } from 'jose';
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
 * Makes this service's DPoP proofs (RFC 9449 §4.2) for its own calls to resource servers: `typ: dpop+jwt`, the
 * public key in `jwk`, `htm`, `htu` (without query and fragment), `iat`, a random `jti`, `ath` of the access token
 * and the server's latest `DPoP-Nonce` for that origin (§9). The token endpoint's proofs are openid-client's,
 * made with the same key, so tokens bound at Keycloak match the proofs made here.
 */
export class DpopProofMaker {
  private readonly nonces = new Map<string, string>();
  private publicJwk?: Promise<JWK>;

  constructor(
    readonly keyPair: DpopKeyPair,
    private readonly clock: Clock = systemClock,
    /** The proofs' `alg`: the key pair's algorithm. Default: the one {@link proofAlgorithmOf} names for the key. */
    private readonly alg = proofAlgorithmOf(keyPair.privateKey),
  ) {}

  /** A proof for one request to `url` with `method`, bound to `accessToken` when given. */
  async proof(method: string, url: string, accessToken?: string): Promise<string> {
    const target = new URL(url);
    const claims: Record<string, string> = { htm: method, htu: `${target.origin}${target.pathname}` };
    if (accessToken !== undefined) claims.ath = accessTokenHash(accessToken);
    const nonce = this.nonces.get(target.origin);
    if (nonce !== undefined) claims.nonce = nonce;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: this.alg, typ: 'dpop+jwt', jwk: await this.jwk() })
      .setIssuedAt(Math.floor(this.clock.now() / 1000))
      .setJti(randomUUID())
      .sign(this.keyPair.privateKey);
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

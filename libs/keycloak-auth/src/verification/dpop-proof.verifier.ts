import { accessTokenHash } from '../core/access-token-hash';
import { compactVerify, CryptoKey, decodeProtectedHeader, JWK } from 'jose';
import { LRUCache } from 'lru-cache';
import { tokenHash } from '../transport/expiring-cache';
import { Clock } from '../core/clock';
import { InvalidDpopProofError, InvalidTokenError, StoreUnavailableError } from '../core/errors';
import type { ReplayStore } from '../core/shared-state';
import { MemoryReplayStore } from '../transport/memory-stores';
import type { ResolvedKeycloakAuthOptions } from '../config/keycloak-auth.options';
import { looksLikeJwt } from '../core/unverified-token';
import type { KeycloakAuthObserver } from '../transport/keycloak-auth.observer';
import { normalizedHtu, normalizedRequestUrl } from './htu';
import { jwkThumbprint } from '../core/jwk-thumbprint';
import { ProofKeys } from './proof-keys';

/** The request a proof must be for, and the access token and key it must be bound to. */
export interface ProofExpectations {
  /** The request's HTTP method. */
  method: string;
  /** The request's URL (normalised and compared without query, RFC 9449 §4.3). */
  url: string;
  /** The access token sent with the proof: `ath` is its SHA-256 (RFC 9449 §4.2). */
  accessToken: string;
  /** The token's `cnf.jkt`: the proof's key must have this JWK SHA-256 thumbprint (RFC 9449 §6.1). */
  jkt: string;
}

/** What {@link DpopProofVerifier} is configured with. */
export interface DpopProofSettings {
  /** Accepted proof algorithms (asymmetric only). */
  algorithms: readonly string[];
  /** How old `iat` may be, in seconds. */
  maxAgeSec: number;
  /** Tolerated clock skew, in seconds. */
  clockToleranceSec: number;
  /** Bound of the `jti` replay cache (and of the proof keys' cache). */
  cacheMaxEntries: number;
  /** Where seen `jti`s are kept; default: a {@link MemoryReplayStore} of `cacheMaxEntries`. */
  replayStore?: ReplayStore;
  observer: KeycloakAuthObserver;
}

/** JWK members that only a private (or symmetric) key has: a proof must carry a public key (RFC 9449 §4.3). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const MAX_JTI_LENGTH = 256;

/** A protected header that passed {@link DpopProofVerifier}'s checks: its algorithm, key thumbprint and key. */
interface CheckedHeader {
  alg: string;
  thumbprint: string;
  key: CryptoKey;
}

const claimsText = new TextDecoder();

const malformed = (why: string) => new InvalidDpopProofError('dpop_proof_malformed', `DPoP proof ${why}`);

/**
 * Checks a DPoP proof (RFC 9449 §4.3) against the request it came with: `typ: dpop+jwt`, an accepted asymmetric
 * `alg`, a public `jwk` in the header that verifies the signature, `htm` and `htu` of this request, `iat` within
 * `maxAgeSec`, `ath` of the access token, the key's thumbprint equal to the token's `cnf.jkt`, and a `jti` not
 * seen before. Seen `jti`s are kept in the replay store (by default a bounded one in this process; shared by the
 * replicas with `dpop.replayStore`) until their proof would be too old anyway; a store that cannot answer refuses
 * the proof with 503 `replay_store_unavailable`.
 */
export class DpopProofVerifier {
  private readonly seen: ReplayStore;
  private readonly keys: ProofKeys;
  /**
   * Protected headers checked before, by their base64url segment: a client's proofs all carry the same header
   * (alg, typ, jwk), so its checks, the key's thumbprint and the key import are done once per key. The segment
   * is exactly what is decoded and signed over, so an entry stands for the same header; bounded as the keys are.
   */
  private readonly headers: LRUCache<string, CheckedHeader>;
  private readonly verifyOptions: { algorithms: string[] };

  constructor(
    private readonly settings: DpopProofSettings,
    private readonly clock: Clock,
  ) {
    this.seen = settings.replayStore ?? new MemoryReplayStore(settings.cacheMaxEntries, clock);
    this.keys = new ProofKeys(Math.min(settings.cacheMaxEntries, 1000));
    this.headers = new LRUCache({ max: Math.min(settings.cacheMaxEntries, 1000) });
    this.verifyOptions = { algorithms: [...settings.algorithms] };
  }

  /** The verifier the module's options configure: their proof algorithms, age, clock tolerance and cache bound. */
  static fromOptions(
    options: Pick<ResolvedKeycloakAuthOptions, 'dpop' | 'verification' | 'observer'>,
    clock: Clock,
  ): DpopProofVerifier {
    const { dpop, verification, observer } = options;
    return new DpopProofVerifier(
      {
        algorithms: dpop.algorithms,
        maxAgeSec: dpop.proofMaxAgeSec,
        clockToleranceSec: verification.clockToleranceSec,
        cacheMaxEntries: verification.cacheMaxEntries,
        replayStore: dpop.replayStore,
        observer,
      },
      clock,
    );
  }

  /** Resolves when `proof` is a valid, fresh proof for `expect`; throws the typed 401 otherwise. */
  async verify(proof: string, expect: ProofExpectations): Promise<void> {
    if (!looksLikeJwt(proof)) throw malformed('is not a compact JWS');
    const segment = proof.slice(0, proof.indexOf('.'));
    let header = this.headers.get(segment);
    let thumbprint: string | undefined;
    let payload: Uint8Array;
    try {
      if (header === undefined) {
        const checked = this.checkHeader(proof);
        thumbprint = jwkThumbprint(checked.jwk);
        const key = await this.keys.keyFor(checked.jwk, checked.alg, thumbprint);
        if (thumbprint !== undefined) {
          header = { alg: checked.alg, thumbprint, key };
          this.headers.set(segment, header);
        }
        ({ payload } = await compactVerify(proof, key, this.verifyOptions));
      } else {
        thumbprint = header.thumbprint;
        ({ payload } = await compactVerify(proof, header.key, this.verifyOptions));
      }
    } catch (error) {
      if (error instanceof InvalidDpopProofError) throw error;
      throw new InvalidDpopProofError('dpop_proof_signature_invalid', 'DPoP proof signature invalid');
    }
    const claims = parseClaims(payload);
    if (claims.htm !== expect.method)
      throw new InvalidDpopProofError(
        'dpop_proof_method_mismatch',
        'DPoP proof htm is not this request method',
      );
    // The usual proof names the request's URL as it is normalised: equal to it, it normalises to itself.
    const url = normalizedRequestUrl(expect.url);
    if (url === undefined || (claims.htu !== url && normalizedHtu(claims.htu) !== url))
      throw new InvalidDpopProofError('dpop_proof_uri_mismatch', 'DPoP proof htu is not this request URI');
    const now = this.clock.now() / 1000;
    const { maxAgeSec, clockToleranceSec } = this.settings;
    if (claims.iat > now + clockToleranceSec || claims.iat < now - maxAgeSec - clockToleranceSec)
      throw new InvalidDpopProofError('dpop_proof_stale', 'DPoP proof iat is outside the accepted window');
    if (claims.ath !== accessTokenHash(expect.accessToken))
      throw new InvalidDpopProofError(
        'dpop_proof_ath_mismatch',
        'DPoP proof ath does not match the access token',
      );
    if (thumbprint !== expect.jkt)
      throw new InvalidTokenError('dpop_key_mismatch', 'DPoP proof key is not the key the token is bound to');
    await this.remember(`${expect.jkt} ${claims.jti}`, (claims.iat + maxAgeSec + clockToleranceSec) * 1000);
  }

  /** The header's checks (before any signature work); returns the embedded public key and its algorithm. */
  private checkHeader(proof: string): { jwk: JWK; alg: string } {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(proof);
    } catch {
      throw malformed('header is not JSON');
    }
    if (header.typ !== 'dpop+jwt') throw malformed('typ is not dpop+jwt');
    if (typeof header.alg !== 'string' || !this.settings.algorithms.includes(header.alg))
      throw new InvalidDpopProofError('dpop_proof_algorithm_not_allowed', 'DPoP proof algorithm not allowed');
    const jwk = header.jwk;
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw malformed('has no jwk header');
    if (PRIVATE_MEMBERS.some((member) => member in jwk)) throw malformed('jwk is not a public key');
    return { jwk, alg: header.alg };
  }

  /**
   * Records a proof's `jti` (with the key's thumbprint, hashed) until `until` (ms); a second use of one is a replay
   * (RFC 9449 §11.1). A store that cannot answer refuses the proof: it is never accepted unchecked.
   */
  private async remember(jti: string, until: number): Promise<void> {
    let first: boolean;
    try {
      first = await this.seen.rememberOnce(tokenHash(jti), Math.max(1, Math.ceil(until - this.clock.now())));
    } catch {
      throw new StoreUnavailableError(
        'replay_store_unavailable',
        'the store of used DPoP proofs cannot be reached; try again shortly',
      );
    }
    this.settings.observer.cacheLookup({ cache: 'dpop_jti', result: first ? 'miss' : 'hit' });
    if (!first) throw new InvalidDpopProofError('dpop_proof_replayed', 'DPoP proof jti was already used');
  }
}

interface ProofClaims {
  jti: string;
  htm: string;
  htu: string;
  iat: number;
  ath?: unknown;
}

function parseClaims(payload: Uint8Array): ProofClaims {
  let claims: unknown;
  try {
    claims = JSON.parse(claimsText.decode(payload));
  } catch {
    throw malformed('payload is not JSON');
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims))
    throw malformed('payload is not an object');
  const c = claims as Record<string, unknown>;
  if (typeof c.jti !== 'string' || c.jti === '' || c.jti.length > MAX_JTI_LENGTH)
    throw malformed('has no usable jti');
  if (typeof c.htm !== 'string' || typeof c.htu !== 'string') throw malformed('lacks htm or htu');
  if (typeof c.iat !== 'number' || !Number.isFinite(c.iat)) throw malformed('has no iat');
  return { jti: c.jti, htm: c.htm, htu: c.htu, iat: c.iat, ath: c.ath };
}

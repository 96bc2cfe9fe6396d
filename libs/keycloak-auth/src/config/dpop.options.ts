import { ASYMMETRIC_ALGORITHM } from './algorithms';
import { isReplayStore, type ReplayStore } from '../core/shared-state';
/** Whether a route takes DPoP-bound tokens (RFC 9449): `required`, `allowed` (as well as bearer tokens) or `off`. */
export type DpopPolicy = 'required' | 'allowed' | 'off';

/** The DPoP policies, for validation. */
export const DPOP_POLICIES: readonly DpopPolicy[] = ['required', 'allowed', 'off'];

// RFC 9449 §4.2: a proof is signed with an asymmetric algorithm; never none, never a MAC.

/** An algorithm this service's own DPoP key can be made for (its proofs' `alg`): P-256, RSA 2048 or Ed25519. */
export type DpopKeyAlgorithm = 'ES256' | 'PS256' | 'EdDSA';

/** The {@link DpopKeyAlgorithm}s, for validation. */
export const DPOP_KEY_ALGORITHMS: readonly DpopKeyAlgorithm[] = ['ES256', 'PS256', 'EdDSA'];

/** The DPoP options of {@link KeycloakAuthOptions}. */
export interface DpopOptions {
  /**
   * Whether routes take DPoP-bound access tokens (`Authorization: DPoP <token>` with a `DPoP` proof): `required`,
   * `allowed` or `off`; a route overrides it with `@Dpop()` (nest-keycloak-s2s/dpop). A token bound to a key
   * (`cnf.jkt`) sent as a bearer token is refused whatever the policy (RFC 9449 §7.2). Default `off`: a
   * module that does not configure DPoP neither takes DPoP-bound tokens nor advertises the scheme in its challenges.
   */
  dpop?: DpopPolicy;
  /** Accepted proof signature algorithms (asymmetric only), announced in the challenge's `algs`. Default ES256, PS256, RS256, EdDSA. */
  dpopAlgorithms?: string[];
  /** How old a proof's `iat` may be, in seconds (on top of `clockToleranceSec`); its `jti` is remembered this long. Default 60. */
  dpopProofMaxAgeSec?: number;
  /**
   * Where the `jti`s of accepted proofs are remembered, so a proof is accepted once (RFC 9449 §11.1). Default: in
   * this process, bounded by `cacheMaxEntries` — right for one process; behind a load balancer every replica must
   * share one store (`RedisReplayStore` of nest-keycloak-s2s/redis), or a proof accepted by one replica is accepted
   * again by the next. When the store cannot answer, the request is refused with 503 `replay_store_unavailable`.
   */
  dpopReplayStore?: ReplayStore;
  /**
   * The `scheme://host[:port]` callers address this service by, for the proof's `htu`. Default: the request's
   * protocol and Host header; set it behind a proxy that rewrites them.
   */
  dpopOrigin?: string;
  /**
   * Which URL the DPoP proofs sent to Keycloak's token endpoint name as `htu` (Keycloak compares it with the URL it
   * was reached by): `url` (the endpoint under `url`, what this service calls; right when Keycloak derives its
   * backchannel URL from the request) or `issuer` (the endpoint under the issuer; right behind a proxy that presents
   * Keycloak the issuer's host). Default `url`.
   */
  dpopKeycloakHtu?: 'url' | 'issuer';
  /**
   * The algorithm of the key this service makes at start for its own DPoP proofs (to Keycloak's token endpoint
   * and to resource servers): `ES256` (P-256), `PS256` (RSA 2048) or `EdDSA` (Ed25519). The token endpoint and the
   * resource servers called must accept it. Default ES256.
   */
  dpopKeyAlgorithm?: DpopKeyAlgorithm;
}

/** {@link DpopOptions} with defaults applied. */
export interface ResolvedDpopOptions {
  readonly dpop: DpopPolicy;
  readonly dpopAlgorithms: readonly string[];
  readonly dpopProofMaxAgeSec: number;
  /** The shared store of seen `jti`s; undefined: one in this process. */
  readonly dpopReplayStore?: ReplayStore;
  readonly dpopOrigin?: string;
  readonly dpopKeycloakHtu: 'url' | 'issuer';
  readonly dpopKeyAlgorithm: DpopKeyAlgorithm;
}

/** Applies the DPoP defaults; `need(key, ok, why)` records a bad key as the options resolver does. */
export function resolveDpopOptions(
  options: DpopOptions,
  need: (key: string, ok: boolean, why: string) => void,
): ResolvedDpopOptions {
  const dpop = options.dpop ?? 'off';
  need('dpop', DPOP_POLICIES.includes(dpop), `must be one of ${DPOP_POLICIES.join(', ')}`);
  const dpopAlgorithms = options.dpopAlgorithms ?? ['ES256', 'PS256', 'RS256', 'EdDSA'];
  need(
    'dpopAlgorithms',
    Array.isArray(dpopAlgorithms) &&
      dpopAlgorithms.length > 0 &&
      dpopAlgorithms.every((a) => ASYMMETRIC_ALGORITHM.test(a)),
    'must list asymmetric algorithms only (never none or HS*)',
  );
  const dpopProofMaxAgeSec = options.dpopProofMaxAgeSec ?? 60;
  need(
    'dpopProofMaxAgeSec',
    Number.isFinite(dpopProofMaxAgeSec) && dpopProofMaxAgeSec > 0,
    'must be a number > 0',
  );
  const dpopReplayStore = options.dpopReplayStore;
  if (dpopReplayStore !== undefined)
    need('dpopReplayStore', isReplayStore(dpopReplayStore), 'must have the method rememberOnce');
  let dpopOrigin: string | undefined;
  if (options.dpopOrigin !== undefined) {
    try {
      const url = new URL(options.dpopOrigin);
      need('dpopOrigin', url.protocol === 'http:' || url.protocol === 'https:', 'must be an http(s) origin');
      dpopOrigin = url.origin;
    } catch {
      need('dpopOrigin', false, 'must be an http(s) origin');
    }
  }
  const dpopKeycloakHtu = options.dpopKeycloakHtu ?? 'url';
  need(
    'dpopKeycloakHtu',
    dpopKeycloakHtu === 'url' || dpopKeycloakHtu === 'issuer',
    "must be 'url' or 'issuer'",
  );
  const dpopKeyAlgorithm = options.dpopKeyAlgorithm ?? 'ES256';
  need(
    'dpopKeyAlgorithm',
    DPOP_KEY_ALGORITHMS.includes(dpopKeyAlgorithm),
    `must be one of ${DPOP_KEY_ALGORITHMS.join(', ')}`,
  );
  return {
    dpop,
    dpopAlgorithms,
    dpopProofMaxAgeSec,
    dpopReplayStore,
    dpopOrigin,
    dpopKeycloakHtu,
    dpopKeyAlgorithm,
  };
}

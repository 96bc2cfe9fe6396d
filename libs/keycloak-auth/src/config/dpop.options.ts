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

/** The DPoP options of {@link KeycloakAuthOptions} (option `dpop`). */
export interface DpopOptions {
  /**
   * Whether routes take DPoP-bound access tokens (`Authorization: DPoP <token>` with a `DPoP` proof): `required`,
   * `allowed` or `off`; a route overrides it with `@Dpop()` (nest-keycloak-s2s/dpop). A token bound to a key
   * (`cnf.jkt`) sent as a bearer token is refused whatever the policy (RFC 9449 §7.2). Default `off`: a
   * module that does not configure DPoP neither takes DPoP-bound tokens nor advertises the scheme in its challenges.
   */
  policy?: DpopPolicy;
  /** Accepted proof signature algorithms (asymmetric only), announced in the challenge's `algs`. Default ES256, PS256, RS256, EdDSA. */
  algorithms?: string[];
  /** How old a proof's `iat` may be, in seconds (on top of `verification.clockToleranceSec`); its `jti` is remembered this long. Default 60. */
  proofMaxAgeSec?: number;
  /**
   * Where the `jti`s of accepted proofs are remembered, so a proof is accepted once (RFC 9449 §11.1). Default: in
   * this process, bounded by `verification.cacheMaxEntries` — right for one process; behind a load balancer every replica must
   * share one store (`RedisReplayStore` of nest-keycloak-s2s/redis), or a proof accepted by one replica is accepted
   * again by the next. When the store cannot answer, the request is refused with 503 `replay_store_unavailable`.
   */
  replayStore?: ReplayStore;
  /**
   * The `scheme://host[:port]` callers address this service by, for the proof's `htu`. Default: the request's
   * protocol and Host header; set it behind a proxy that rewrites them.
   */
  origin?: string;
  /**
   * Which URL the DPoP proofs sent to Keycloak's token endpoint name as `htu` (Keycloak compares it with the URL it
   * was reached by): `url` (the endpoint under `url`, what this service calls; right when Keycloak derives its
   * backchannel URL from the request) or `issuer` (the endpoint under the issuer; right behind a proxy that presents
   * Keycloak the issuer's host). Default `url`.
   */
  keycloakHtu?: 'url' | 'issuer';
  /**
   * The algorithm of the key this service makes at start for its own DPoP proofs (to Keycloak's token endpoint
   * and to resource servers): `EdDSA` (Ed25519), `ES256` (P-256) or `PS256` (RSA 2048). The token endpoint and the
   * resource servers called must accept it. Default EdDSA: the cheapest proof to make and check of the three that
   * Keycloak binds tokens to; `ES256` for a resource server that does not take Ed25519 proofs.
   */
  keyAlgorithm?: DpopKeyAlgorithm;
}

/** {@link DpopOptions} with defaults applied. */
export interface ResolvedDpopOptions {
  readonly policy: DpopPolicy;
  readonly algorithms: readonly string[];
  readonly proofMaxAgeSec: number;
  /** The shared store of seen `jti`s; undefined: one in this process. */
  readonly replayStore?: ReplayStore;
  readonly origin?: string;
  readonly keycloakHtu: 'url' | 'issuer';
  readonly keyAlgorithm: DpopKeyAlgorithm;
}

/** Applies the DPoP defaults; `need(key, ok, why)` records a bad key (named `dpop.<key>`) as the options resolver does. */
export function resolveDpopOptions(
  options: DpopOptions,
  need: (key: string, ok: boolean, why: string) => void,
): ResolvedDpopOptions {
  const policy = options.policy ?? 'off';
  need('dpop.policy', DPOP_POLICIES.includes(policy), `must be one of ${DPOP_POLICIES.join(', ')}`);
  const algorithms = options.algorithms ?? ['ES256', 'PS256', 'RS256', 'EdDSA'];
  need(
    'dpop.algorithms',
    Array.isArray(algorithms) &&
      algorithms.length > 0 &&
      algorithms.every((a) => ASYMMETRIC_ALGORITHM.test(a)),
    'must list asymmetric algorithms only (never none or HS*)',
  );
  const proofMaxAgeSec = options.proofMaxAgeSec ?? 60;
  need('dpop.proofMaxAgeSec', Number.isFinite(proofMaxAgeSec) && proofMaxAgeSec > 0, 'must be a number > 0');
  const replayStore = options.replayStore;
  if (replayStore !== undefined)
    need('dpop.replayStore', isReplayStore(replayStore), 'must have the method rememberOnce');
  let origin: string | undefined;
  if (options.origin !== undefined) {
    try {
      const url = new URL(options.origin);
      need('dpop.origin', url.protocol === 'http:' || url.protocol === 'https:', 'must be an http(s) origin');
      origin = url.origin;
    } catch {
      need('dpop.origin', false, 'must be an http(s) origin');
    }
  }
  const keycloakHtu = options.keycloakHtu ?? 'url';
  need('dpop.keycloakHtu', keycloakHtu === 'url' || keycloakHtu === 'issuer', "must be 'url' or 'issuer'");
  const keyAlgorithm = options.keyAlgorithm ?? 'EdDSA';
  need(
    'dpop.keyAlgorithm',
    DPOP_KEY_ALGORITHMS.includes(keyAlgorithm),
    `must be one of ${DPOP_KEY_ALGORITHMS.join(', ')}`,
  );
  return { policy, algorithms, proofMaxAgeSec, replayStore, origin, keycloakHtu, keyAlgorithm };
}

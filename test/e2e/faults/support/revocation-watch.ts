import type { DpopProofMaker } from 'nest-keycloak-s2s/dpop';
import { post } from '../../support/http';
import { sleep } from './load';

/** One service a revoked token is sent to, again and again, until it is refused. */
export interface WatchTarget {
  name: string;
  url: string;
  token: string;
  body: unknown;
  /** The key `token` is bound to, when it is DPoP-bound (service-c takes no other). */
  dpop?: DpopProofMaker;
}

/** What a target answered after the revocation: how often it still accepted, then when and how it refused. */
export interface Watched {
  name: string;
  /** 200s after the revocation, before the first refusal. */
  accepted: number;
  /** When the first refusal came back, in ms after the revocation (undefined: never refused before the bound). */
  refusedAfterMs?: number;
  status?: number;
  code?: string;
  challenge?: string | null;
}

/**
 * Sends each target's token every `intervalMs` from now on, each target until its first answer that is not 200,
 * at most until `since + boundMs`. `since` is when the revocation took effect at Keycloak.
 */
export async function watchUntilRefused(
  targets: WatchTarget[],
  since: number,
  boundMs: number,
  intervalMs = 100,
): Promise<Watched[]> {
  return Promise.all(
    targets.map(async (target) => {
      const watched: Watched = { name: target.name, accepted: 0 };
      while (Date.now() < since + boundMs) {
        const res = await post(target.url, target.body, { token: target.token, dpop: target.dpop });
        if (res.status !== 200) {
          watched.refusedAfterMs = Date.now() - since;
          watched.status = res.status;
          watched.code = typeof res.body.code === 'string' ? res.body.code : undefined;
          watched.challenge = res.wwwAuthenticate;
          break;
        }
        watched.accepted++;
        await sleep(intervalMs);
      }
      return watched;
    }),
  );
}

/** The report's cell for a watched target, e.g. `200 ×24, then 401 token_inactive after 2.9 s`. */
export function watchedCell(w: Watched): string {
  const refused =
    w.refusedAfterMs === undefined
      ? 'never refused within the bound'
      : `then ${w.status} ${w.code ?? ''} after ${(w.refusedAfterMs / 1000).toFixed(1)} s`.replace('  ', ' ');
  return `200 ×${w.accepted}, ${refused}`;
}

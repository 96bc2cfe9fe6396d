import { RemoteJWKSet } from 'jose';
import { Dispatcher, request } from 'undici';
import { ResolvedKeycloakAuthOptions } from '../config/keycloak-auth.options';
import { fromJoseError } from '../verification/jose-errors';

/** Whether this service can validate tokens now, and why (for a readiness answer). */
export interface ReadinessVerdict {
  readonly ready: boolean;
  /** e.g. `signing keys cached`, `answered 503`, `no answer within 2000 ms`. */
  readonly detail: string;
}

/** How long a readiness check waits for Keycloak: a probe must answer before the orchestrator's own timeout. */
const CHECK_TIMEOUT_MS = 2_000;

/**
 * Readiness that fits the validation mode. jwt mode needs Keycloak only for keys it does not hold: it is ready while
 * every accepted realm's key set is fresh (fetched within `jwks.cacheMaxAgeMs`), so an IdP blip does not take warm
 * pods out of their Service; a stale or never-fetched set is fetched now (which also warms it), and only a failed
 * fetch makes it unready. Introspection mode asks Keycloak for every new token: it is ready when Keycloak answers.
 */
export class KeycloakReadiness {
  constructor(
    private readonly options: Pick<ResolvedKeycloakAuthOptions, 'realms' | 'mode'>,
    private readonly keys: ReadonlyMap<string, RemoteJWKSet>,
    private readonly dispatcher: Dispatcher,
    private readonly timeoutMs = CHECK_TIMEOUT_MS,
  ) {}

  /** The verdict over every accepted realm: the first one that is not ready names the failure. */
  async check(): Promise<ReadinessVerdict> {
    const verdicts = await Promise.all(
      this.options.realms.map((realm) =>
        this.options.mode === 'jwt'
          ? this.keysHeld(this.keys.get(realm.issuer)!)
          : this.answers(realm.endpoints.jwks),
      ),
    );
    return verdicts.find((v) => !v.ready) ?? verdicts[0];
  }

  private async keysHeld(keys: RemoteJWKSet): Promise<ReadinessVerdict> {
    if (keys.fresh) return { ready: true, detail: 'signing keys cached' };
    try {
      await this.within(keys.reload());
      return { ready: true, detail: 'signing keys fetched' };
    } catch (error) {
      return { ready: false, detail: this.reason(error, () => fromJoseError(error).message) };
    }
  }

  private async answers(url: string): Promise<ReadinessVerdict> {
    try {
      const res = await request(url, {
        dispatcher: this.dispatcher,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await res.body.dump();
      return res.statusCode === 200
        ? { ready: true, detail: 'Keycloak answers' }
        : { ready: false, detail: `answered ${res.statusCode}` };
    } catch (error) {
      const e = error as { code?: string; cause?: { code?: string } };
      return { ready: false, detail: this.reason(error, () => e.code ?? e.cause?.code ?? 'unreachable') };
    }
  }

  private reason(error: unknown, otherwise: () => string): string {
    return (error as { name?: string }).name === 'TimeoutError'
      ? `no answer within ${this.timeoutMs} ms`
      : otherwise();
  }

  /** `work`, or a TimeoutError after `timeoutMs` (jose's own fetch timeout is the longer `http.timeoutMs`). */
  private async within<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(Object.assign(new Error('timeout'), { name: 'TimeoutError' })),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

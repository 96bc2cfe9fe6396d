import { Dispatcher, fetch as undiciFetch } from 'undici';
import { IdpCallOutcome, IdpEndpoint, KeycloakAuthObserver, observeIdpCall } from './keycloak-auth.observer';

/**
 * Keycloak could not be reached at all (refused, reset, TLS refused, timed out). A TypeError, as fetch reports a
 * network error, so openid-client and jose hand it back unchanged; its message names the origin and the socket
 * or TLS code, never a path, form or header.
 */
export class KeycloakUnreachableError extends TypeError {
  constructor(url: string, cause: unknown) {
    super(`Keycloak unreachable at ${new URL(url).origin}: ${reasonOf(cause)}`, { cause });
    this.name = 'KeycloakUnreachableError';
  }
}

/** The Fetch API function {@link keycloakFetch} returns, callable as openid-client's and jose's `customFetch`. */
export type KeycloakFetch = (url: string, init: RequestInit) => Promise<Response>;

/** What {@link keycloakFetch} sends through and whom it tells. */
export interface KeycloakFetchSettings {
  /** The connection pool (keep-alive, the configured CA): {@link keycloakDispatcher}. */
  readonly dispatcher: Dispatcher;
  /** Longest time a call may take, the answer's body included. */
  readonly timeoutMs: number;
  /** Told of each call as one call to `endpoint`; unset, no one is told. */
  readonly report?: { readonly observer: KeycloakAuthObserver; readonly endpoint: IdpEndpoint };
}

/**
 * The fetch of every call to Keycloak (openid-client's OAuth calls, jose's JWKS fetches): undici over `dispatcher`,
 * bounded by `timeoutMs`, reported to the observer, and failing with {@link KeycloakUnreachableError} when no
 * answer came. The body is read here, so the reported duration covers the whole answer.
 */
export function keycloakFetch(settings: KeycloakFetchSettings): KeycloakFetch {
  const send = async (url: string, init: RequestInit): Promise<Response> => {
    const timeout = AbortSignal.timeout(settings.timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    try {
      const res = await undiciFetch(url, { ...init, signal, dispatcher: settings.dispatcher } as Parameters<
        typeof undiciFetch
      >[1]);
      const body = await res.arrayBuffer();
      // A Response of this realm: openid-client and jose check what they get against the global Response.
      return new Response(body.byteLength > 0 ? body : null, {
        status: res.status,
        statusText: res.statusText,
        headers: [...res.headers],
      });
    } catch (error) {
      throw new KeycloakUnreachableError(url, error);
    }
  };
  const { report } = settings;
  if (!report) return send;
  return (url, init) => observeIdpCall(report.observer, report.endpoint, () => send(url, init), outcomeOf);
}

/** `ok` a 2xx JSON answer, `error` a 4xx JSON answer (an OAuth error), `unavailable` a 5xx or anything not JSON. */
function outcomeOf(response: Response): IdpCallOutcome {
  const json = /\bjson\b/i.test(response.headers.get('content-type') ?? '');
  if (!json || response.status >= 500) return 'unavailable';
  return response.status < 300 ? 'ok' : 'error';
}

function reasonOf(cause: unknown): string {
  // Read by shape, not instanceof: AbortSignal.timeout() rejects with a DOMException whose numeric legacy `code`
  // says nothing, and fetch wraps the socket or TLS error (ECONNREFUSED, UNABLE_TO_VERIFY_LEAF_SIGNATURE) as `cause`.
  const { code, name, message, cause: inner } = (cause ?? {}) as Record<string, unknown>;
  if (name === 'TimeoutError') return 'timed out';
  const innerCode = (inner as { code?: unknown } | undefined)?.code;
  if (typeof innerCode === 'string') return innerCode;
  if (typeof code === 'string') return code;
  return typeof message === 'string' ? message : String(cause);
}

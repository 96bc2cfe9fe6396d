import { Dispatcher, request } from 'undici';
import type { IdpCallOutcome } from '../observer/keycloak-auth.observer';
import { keycloakDispatcher } from './keycloak-tls';

/** A parsed answer of Keycloak: HTTP status and JSON body (undefined when the body is not JSON). */
export interface KeycloakHttpResponse {
  status: number;
  body: unknown;
}

/** Raised when Keycloak could not be reached at all (refused, reset, timed out). */
export class KeycloakUnreachableError extends Error {
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`Keycloak unreachable at ${new URL(url).origin}: ${describe(cause)}`);
  }
}

/**
 * The library's HTTP client for form POSTs to Keycloak (undici, keep-alive pool; jose fetches the JWKS itself).
 * Injected, so a test can point it at a local server or swap the dispatcher.
 */
export class KeycloakHttpClient {
  constructor(
    private readonly timeoutMs: number,
    private readonly dispatcher: Dispatcher = keycloakDispatcher(),
  ) {}

  /** POSTs an `application/x-www-form-urlencoded` body with HTTP Basic client authentication (RFC 6749 §2.3.1). */
  async postForm(
    url: string,
    form: Record<string, string>,
    client: { id: string; secret?: string },
  ): Promise<KeycloakHttpResponse> {
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    const body = new URLSearchParams(form);
    if (client.secret !== undefined) {
      // RFC 6749 §2.3.1: id and secret are form-encoded before being joined for Basic.
      const basic = `${formEncode(client.id)}:${formEncode(client.secret)}`;
      headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
    } else {
      body.set('client_id', client.id);
    }
    try {
      const res = await request(url, {
        method: 'POST',
        headers,
        body: body.toString(),
        dispatcher: this.dispatcher,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await res.body.text();
      return { status: res.statusCode, body: parseJson(text) };
    } catch (error) {
      throw new KeycloakUnreachableError(url, error);
    }
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

/** How an answer of Keycloak counts for metrics: 2xx JSON `ok`, 4xx JSON `error`, anything else `unavailable`. */
export function answerOutcome(response: KeycloakHttpResponse): IdpCallOutcome {
  if (response.body === undefined || response.status >= 500) return 'unavailable';
  return response.status < 300 ? 'ok' : 'error';
}

function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describe(cause: unknown): string {
  // Read by shape, not instanceof: AbortSignal.timeout() rejects with a DOMException whose numeric legacy `code`
  // (23) says nothing, and which is not an instance of this realm's Error under a test runner's VM.
  const { code, name, message } = (cause ?? {}) as { code?: unknown; name?: unknown; message?: unknown };
  if (typeof code === 'string') return code;
  if (name === 'TimeoutError') return 'timed out';
  return typeof message === 'string' ? message : String(cause);
}

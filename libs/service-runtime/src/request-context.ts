import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The header that carries a request's id from service-a through service-b to service-c. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** An incoming id is reused only if it looks like one: no log injection, no unbounded size. */
const ACCEPTABLE_ID = /^[\w.-]{1,64}$/;

/** The id of an incoming request: the caller's `x-request-id` when acceptable, else a new UUID. */
export function requestIdOf(request: IncomingMessage): string {
  const header = request.headers[REQUEST_ID_HEADER];
  const given = Array.isArray(header) ? header[0] : header;
  return given !== undefined && ACCEPTABLE_ID.test(given) ? given : randomUUID();
}

const context = new AsyncLocalStorage<{ requestId: string }>();

/** Runs `next` with `requestId` as the current request's id (see {@link currentRequestId}). */
export function withRequestId(requestId: string, next: () => void): void {
  context.run({ requestId }, next);
}

/** The id of the request being served, for the next hop's `x-request-id`; undefined outside a request. */
export function currentRequestId(): string | undefined {
  return context.getStore()?.requestId;
}

import { subscribe } from 'node:diagnostics_channel';
import type { Agent, ClientRequest, IncomingMessage } from 'node:http';
import type { IdpCallOutcome } from '../observer/keycloak-auth.observer';

/** Told of one finished JWKS fetch: how it ended and how long it took until Keycloak's answer (or the failure). */
export type JwksFetchReport = (outcome: IdpCallOutcome, durationMs: number) => void;

const reports = new WeakMap<Agent, JwksFetchReport>();
const started = new WeakMap<ClientRequest, number>();
let subscribed = false;

/**
 * Reports every request made through `agent` to `report`. jose fetches the JWKS itself (node:http(s), with the
 * `agent` we give it) and tells no one, so its fetches are seen through Node's built-in HTTP diagnostics
 * channels, filtered by their agent: exactly one report per real fetch, the refetch on an unknown `kid`
 * included, and none for a key served from jose's memory.
 */
export function reportFetches(agent: Agent, report: JwksFetchReport): Agent {
  if (!subscribed) {
    subscribed = true;
    subscribe('http.client.request.start', (message) => {
      const { request } = message as { request: ClientRequest };
      if (reports.has(agentOf(request))) started.set(request, performance.now());
    });
    subscribe('http.client.response.finish', (message) => {
      const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
      finish(request, response.statusCode === 200 ? 'ok' : 'unavailable');
    });
    subscribe('http.client.request.error', (message) => {
      finish((message as { request: ClientRequest }).request, 'unavailable');
    });
  }
  reports.set(agent, report);
  return agent;
}

function finish(request: ClientRequest, outcome: IdpCallOutcome): void {
  const since = started.get(request);
  if (since === undefined) return;
  started.delete(request);
  reports.get(agentOf(request))?.(outcome, performance.now() - since);
}

function agentOf(request: ClientRequest): Agent {
  return (request as ClientRequest & { agent: Agent }).agent;
}

import { X509Certificate } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Agent, Dispatcher } from 'undici';
import { JwksFetchReport, reportFetches } from './jwks-fetches';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----/g;

/**
 * The certificates of a PEM text (one or a bundle), each as its own PEM; undefined when the text holds none or
 * one that does not parse, so a mangled `ca` option stops the service at start instead of at the first call.
 */
export function pemCertificates(pem: unknown): string[] | undefined {
  if (typeof pem !== 'string') return undefined;
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) return undefined;
  try {
    for (const block of blocks) new X509Certificate(block);
  } catch {
    return undefined;
  }
  return blocks;
}

/** The undici dispatcher of every form POST to Keycloak (token, introspection, exchange): keep-alive, `ca` if set. */
export function keycloakDispatcher(ca?: readonly string[]): Dispatcher {
  return new Agent({
    keepAliveTimeout: 10_000,
    connections: 32,
    ...(ca ? { connect: { ca: [...ca] } } : {}),
  });
}

/**
 * The node:http(s) agent jose fetches the JWKS with (jose v5 on Node fetches with node:http(s) and takes an
 * `agent`): it trusts only `ca` when that is set, and each fetch through it is reported to `onFetch`. No
 * keep-alive: jose fetches a JWKS rarely (once, then on an unknown kid after the cooldown).
 */
export function jwksAgent(jwksUrl: string, ca?: readonly string[], onFetch?: JwksFetchReport): HttpAgent {
  const https = new URL(jwksUrl).protocol === 'https:';
  // An https.Agent cannot carry a plain-http request: a CA matters only for an https JWKS.
  const agent = https ? new HttpsAgent(ca ? { ca: [...ca] } : {}) : new HttpAgent();
  return onFetch ? reportFetches(agent, onFetch) : agent;
}

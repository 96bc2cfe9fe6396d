import { X509Certificate } from 'node:crypto';
import { Agent, Dispatcher } from 'undici';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----/g;

/**
 * The certificates of a PEM text (one or a bundle), each as its own PEM; undefined when the text holds none or
 * one that does not parse, so a mangled `http.ca` option stops the service at start instead of at the first call.
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

/**
 * The undici dispatcher of every call to Keycloak (token, exchange, introspection and the JWKS): keep-alive, and
 * only `http.ca` trusted when it is set (a plain-http URL ignores it).
 */
export function keycloakDispatcher(ca?: readonly string[]): Dispatcher {
  return new Agent({
    keepAliveTimeout: 10_000,
    connections: 32,
    ...(ca ? { connect: { ca: [...ca] } } : {}),
  });
}

import {
  Agent,
  createServer,
  IncomingHttpHeaders,
  IncomingMessage,
  request,
  ServerResponse,
} from 'node:http';
import { AddressInfo } from 'node:net';

/** What a call to Keycloak was: the endpoint, and for the token endpoint the grant it asked for. */
export const KEYCLOAK_CALL_KINDS = [
  'client_credentials',
  'token_exchange',
  'token_other',
  'introspection',
  'jwks',
  'other',
] as const;

/** One of {@link KEYCLOAK_CALL_KINDS}. */
export type KeycloakCallKind = (typeof KEYCLOAK_CALL_KINDS)[number];

/** Calls seen so far, per kind. */
export type KeycloakCallCounts = Record<KeycloakCallKind, number>;

/** RFC 8693 §2.1's grant type. */
const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection and are not forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/** No calls yet. */
export function noCalls(): KeycloakCallCounts {
  return Object.fromEntries(KEYCLOAK_CALL_KINDS.map((kind) => [kind, 0])) as KeycloakCallCounts;
}

/** The calls of `after` that `before` had not seen yet (a measurement window). */
export function callsBetween(before: KeycloakCallCounts, after: KeycloakCallCounts): KeycloakCallCounts {
  const delta = noCalls();
  for (const kind of KEYCLOAK_CALL_KINDS) delta[kind] = after[kind] - before[kind];
  return delta;
}

/** All calls of every kind. */
export function totalCalls(counts: KeycloakCallCounts): number {
  return KEYCLOAK_CALL_KINDS.reduce((sum, kind) => sum + counts[kind], 0);
}

/** Classifies a request to Keycloak by its path and (token endpoint) form body. */
export function kindOf(path: string, body: string): KeycloakCallKind {
  const pathname = path.split('?', 1)[0];
  if (pathname.endsWith('/protocol/openid-connect/token/introspect')) return 'introspection';
  if (pathname.endsWith('/protocol/openid-connect/certs')) return 'jwks';
  if (!pathname.endsWith('/protocol/openid-connect/token')) return 'other';
  const grant = new URLSearchParams(body).get('grant_type');
  if (grant === 'client_credentials') return 'client_credentials';
  if (grant === TOKEN_EXCHANGE_GRANT) return 'token_exchange';
  return 'token_other';
}

/** How {@link startCountingProxy} forwards. */
export interface CountingProxyOptions {
  /**
   * Forward the caller's Host header instead of Keycloak's own, so that Keycloak (no fixed hostname) derives the
   * issuer from the proxy's address: for clients that check `iss` against the URL they call (keycloak-connect).
   */
  keepHost?: boolean;
}

/** A running {@link startCountingProxy}. */
export interface CountingProxy {
  /** Where the services reach Keycloak through the proxy, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** A copy of the counts so far. */
  counts: () => KeycloakCallCounts;
  /**
   * Plays Keycloak down (true) or up again: while down, every request's connection is closed at once, nothing is
   * forwarded and nothing counted (a caller sees what it would of a Keycloak that went away).
   */
  setDown: (down: boolean) => void;
  stop: () => Promise<void>;
}

function forwardedHeaders(headers: IncomingHttpHeaders, host?: string): IncomingHttpHeaders {
  const kept: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name)) kept[name] = value;
  if (host !== undefined) kept.host = host;
  return kept;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * A pass-through HTTP proxy in front of Keycloak that counts every call by kind. The services use its URL as
 * their `KEYCLOAK_URL` while their issuer stays Keycloak's own: the proxy sends Keycloak the target's Host header,
 * from which Keycloak derives the issuer it puts in tokens and checks subject and introspected tokens against.
 * Connections to Keycloak are kept alive, so the proxy adds a loopback hop, not a TCP handshake, per call.
 */
export async function startCountingProxy(
  target: string,
  options: CountingProxyOptions = {},
): Promise<CountingProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const counts = noCalls();
  let down = false;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (down) return void req.socket.destroy();
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      return void res.destroy();
    }
    counts[kindOf(req.url ?? '/', body.toString())]++;
    const forward = request(
      {
        protocol: upstream.protocol,
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: forwardedHeaders(req.headers, options.keepHost ? undefined : upstream.host),
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, forwardedHeaders(answer.headers));
        answer.pipe(res);
      },
    );
    forward.on('error', (error: NodeJS.ErrnoException) => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(502, { 'content-type': 'text/plain' }).end(`keycloak proxy: ${error.code ?? 'error'}`);
    });
    forward.end(body);
  };
  const server = createServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts: () => ({ ...counts }),
    setDown: (value) => {
      down = value;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}

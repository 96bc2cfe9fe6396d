import { connect } from 'node:net';

/** An answer as the security suite inspects it: status, challenge, the parsed body and the raw text. */
export interface Observed {
  /** HTTP status, or 0 when the connection ended without an answer. */
  status: number;
  wwwAuthenticate: string | null;
  body: Record<string, unknown>;
  text: string;
  /** The credential the request carried, so the check can make sure it is not echoed back. */
  credential?: string;
  /** Where the request went, for the metadata URL its challenge must name (RFC 9728 §5.1). */
  url?: string;
}

/** A request the way an attacker may shape it: any Authorization value, any content type, any body text. */
export interface AttackRequest {
  authorization?: string;
  /** A `DPoP` proof header (RFC 9449 §4.1). */
  dpop?: string;
  contentType?: string;
  body: string;
}

function parsed(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** POSTs through fetch (undici), which normalizes what it sends: enough for every well-formed request. */
export async function send(url: string, request: AttackRequest): Promise<Observed> {
  const headers: Record<string, string> = { 'content-type': request.contentType ?? 'application/json' };
  if (request.authorization !== undefined) headers.authorization = request.authorization;
  if (request.dpop !== undefined) headers.dpop = request.dpop;
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body: request.body,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return {
    status: res.status,
    wwwAuthenticate: res.headers.get('www-authenticate'),
    body: parsed(text),
    text,
    credential: [request.authorization, request.dpop].filter(Boolean).join(' '),
    url,
  };
}

/**
 * POSTs a JSON body over a bare TCP socket, with the Authorization header lines exactly as given (none, one with
 * trailing blanks, two of them): fetch would trim or merge them. Reads until the server closes (Connection: close).
 */
export function sendRaw(url: string, authorizations: string[], body: string): Promise<Observed> {
  const { hostname, port, pathname } = new URL(url);
  const head = [
    `POST ${pathname} HTTP/1.1`,
    `Host: ${hostname}:${port}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...authorizations.map((value) => `Authorization: ${value}`),
  ];
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer from ${url} within 10 s`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // The server may answer and close before it has read everything (e.g. 431): keep what arrived.
    socket.on('error', (error) => (chunks.length === 0 ? reject(error) : undefined));
    socket.on('close', () =>
      resolve({ ...parseRawAnswer(Buffer.concat(chunks).toString('latin1'), authorizations), url }),
    );
    socket.write(`${head.join('\r\n')}\r\n\r\n${body}`);
  });
}

function parseRawAnswer(raw: string, authorizations: string[]): Observed {
  const split = raw.indexOf('\r\n\r\n');
  const head = split < 0 ? raw : raw.slice(0, split);
  let text = split < 0 ? '' : raw.slice(split + 4);
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  if (headers.get('transfer-encoding') === 'chunked') text = dechunked(text);
  return {
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0),
    wwwAuthenticate: headers.get('www-authenticate') ?? null,
    body: parsed(text),
    text,
    credential: authorizations.join('\n'),
  };
}

function dechunked(text: string): string {
  let out = '';
  let rest = text;
  for (let guard = 0; guard < 1000; guard++) {
    const lineEnd = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, lineEnd), 16);
    if (!(size > 0)) break;
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
  return out;
}

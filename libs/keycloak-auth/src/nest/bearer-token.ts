import { AuthScheme, InvalidTokenError } from '../core/errors';
import { HtuRequest } from '../verification/htu';
import { Principal } from '../core/principal';

/** What the guard leaves on the request: the principal in the open, the raw token out of reach of loggers. */
const tokens = new WeakMap<object, string>();

/** The request shape the library reads; Express and Fastify requests both fit it. */
export interface AuthenticatedRequest extends HtuRequest {
  headers: Record<string, string | string[] | undefined>;
  /** The header lines as received, name then value (Node's request; Express' request is one). */
  rawHeaders?: string[];
  /** Fastify's request keeps Node's request here. */
  raw?: { rawHeaders?: string[] };
  /** The verified caller; on Fastify null until then (the library declares it on every request). */
  principal?: Principal | null;
}

/**
 * How many `name` header lines (default Authorization) the request arrived with. Node keeps only the first one in `headers` and
 * drops the rest, so a second token is invisible there; a proxy in front that reads the last one would then
 * have checked another token than the one this service authenticates.
 */
export function headerLines(request: AuthenticatedRequest, name = 'authorization'): number {
  const raw = request.raw?.rawHeaders ?? request.rawHeaders ?? [];
  let count = 0;
  for (let i = 0; i < raw.length; i += 2)
    if (raw[i].length === name.length && raw[i].toLowerCase() === name) count++;
  return count;
}

/** An access token as the Authorization header carried it, and under which scheme. */
export interface Credential {
  scheme: AuthScheme;
  token: string;
}

/** The scheme an Authorization header names, when it is one the library takes (for the challenge). */
export function presentedScheme(request: AuthenticatedRequest): AuthScheme | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const scheme = /^(Bearer|DPoP) /i.exec(header)?.[1].toLowerCase();
  return scheme === 'bearer' ? 'Bearer' : scheme === 'dpop' ? 'DPoP' : undefined;
}

/**
 * Reads the RFC 6750 §2.1 `Authorization: Bearer <token68>` or the RFC 9449 §7.1 `Authorization: DPoP <token68>`
 * header. Anything else — no header, another scheme, an empty or malformed credential — is an invalid_token
 * answer, never a pass.
 */
export function extractCredential(request: AuthenticatedRequest): Credential {
  const header = request.headers.authorization;
  if (Array.isArray(header) || headerLines(request) > 1)
    throw new InvalidTokenError('token_malformed', 'more than one Authorization header');
  if (header === undefined || header === '')
    throw new InvalidTokenError('token_missing', 'access token missing');
  const match = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (!match) {
    // Another scheme's credentials (`Basic …`) are none the library takes; a header that starts as ours but is
    // broken (`Bearer`, `Bearer<token>`) is a malformed token.
    const unsupported = !/^(Bearer|DPoP)/i.test(header);
    throw new InvalidTokenError(
      'token_malformed',
      'Authorization header is not a Bearer or DPoP token',
      unsupported,
    );
  }
  return { scheme: match[1].toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer', token: match[2] };
}

/**
 * The credential of a request whose Authorization header has its usual form — one header line, `Bearer ` or
 * `DPoP ` (as written here) and the token, no other spaces — split without the token68 check
 * {@link extractCredential} makes. Only for a lookup among tokens verified before: a hit proves the token is one
 * that passed every check (its SHA-256 matched). Undefined for any other form, where the full rules apply.
 */
export function usualCredential(request: AuthenticatedRequest): Credential | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const scheme: AuthScheme | undefined = header.startsWith('Bearer ')
    ? 'Bearer'
    : header.startsWith('DPoP ')
      ? 'DPoP'
      : undefined;
  if (scheme === undefined) return undefined;
  const start = scheme.length + 1;
  const spaceAt = (i: number) => header.charCodeAt(i) === 32;
  if (header.length === start || spaceAt(start) || spaceAt(header.length - 1) || headerLines(request) > 1)
    return undefined;
  return { scheme, token: header.slice(start) };
}

/** Remembers the verified token of a request, for token exchange later in the same request. */
export function rememberBearerToken(request: object, token: string): void {
  tokens.set(request, token);
}

/** The bearer token the guard verified for this request, if any. */
export function verifiedBearerToken(request: object): string | undefined {
  return tokens.get(request);
}

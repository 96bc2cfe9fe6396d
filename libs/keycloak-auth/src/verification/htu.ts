import { LRUCache } from 'lru-cache';

/** The parts of a request {@link requestHtu} reads; Express and Fastify requests both fit. */
export interface HtuRequest {
  headers: Record<string, string | string[] | undefined>;
  /** The HTTP method. */
  method?: string;
  /** Express: the URL as received, before routers trimmed it. */
  originalUrl?: string;
  /** The URL as received (Fastify) or as the current router sees it (Express). */
  url?: string;
  /** `http` or `https`, as the framework derives it (its proxy trust settings apply). */
  protocol?: string;
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * The normalised URLs of the requests seen lately, by what they were made of (the configured origin or the
 * request's protocol and Host header, and its path): a service answers few routes, each asked many times, and
 * parsing a URL twice for each of its requests costs more than looking it up. Bounded, as Host headers and paths
 * are the client's to choose.
 */
const requestHtus = new LRUCache<string, { htu: string | undefined }>({ max: 512 });
const requestUrls = new LRUCache<string, { htu: string | undefined }>({ max: 512 });

/**
 * A URL as RFC 9449 §4.3 compares `htu`: without query and fragment, after RFC 3986 §6.2.2 syntax-based and
 * §6.2.3 scheme-based normalisation (case of scheme and host, default port, empty path, dot segments, the case of
 * percent-encodings and percent-encoded unreserved characters). Undefined for anything that is not an http(s) URL.
 */
export function normalizedHtu(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const path = url.pathname.replace(/%([0-9A-Fa-f]{2})/g, (_match, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
  return `${url.origin}${path}`;
}

/**
 * {@link normalizedHtu} of a URL a service itself names (the request's URL a proof is checked against), kept for
 * the next requests to it. Not for a proof's `htu`: each client could fill the cache with its own.
 */
export function normalizedRequestUrl(url: string): string | undefined {
  return remembered(requestUrls, url, () => normalizedHtu(url));
}

/** The answer `cache` holds for `key` (undefined answers too), else `work`'s, kept. */
function remembered(
  cache: LRUCache<string, { htu: string | undefined }>,
  key: string,
  work: () => string | undefined,
): string | undefined {
  const known = cache.get(key);
  if (known !== undefined) return known.htu;
  const htu = work();
  cache.set(key, { htu });
  return htu;
}

/**
 * The URL a request was sent to, as its DPoP proof's `htu` must name it: `origin` (the configured public origin)
 * or the request's own protocol and Host header, then the path it arrived with.
 */
export function requestHtu(request: HtuRequest, origin?: string): string | undefined {
  const path = request.originalUrl ?? request.url ?? '/';
  const host = request.headers.host;
  // Cached by what the answer is made of; an unusual request (no Host header of one line) is worked out each time.
  const key =
    origin !== undefined
      ? `${origin}\n${path}`
      : typeof host === 'string'
        ? `${request.protocol ?? 'http'}\n${host}\n${path}`
        : undefined;
  const work = () => {
    const base = origin ?? requestOrigin(request);
    return base === undefined
      ? undefined
      : normalizedHtu(`${base}${path.startsWith('/') ? path : `/${path}`}`);
  };
  return key === undefined ? work() : remembered(requestHtus, key, work);
}

/**
 * The `scheme://host[:port]` a request was sent to, from its protocol (as the framework derives it) and Host
 * header, normalised as a URL's origin; undefined without a Host header or for one that names no host.
 */
export function requestOrigin(request: HtuRequest): string | undefined {
  const host = request.headers.host;
  // A host and a port only (RFC 3986 §3.2.2 reg-name or IP literal): no path, credentials, quote or space.
  if (typeof host !== 'string' || !/^[A-Za-z0-9\-._~%!$&'()*+,;=:[\]]+$/.test(host)) return undefined;
  try {
    return new URL(`${request.protocol ?? 'http'}://${host}`).origin;
  } catch {
    return undefined;
  }
}

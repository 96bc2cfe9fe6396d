import { AuthScheme, InvalidDpopProofError, InvalidTokenError } from '../core/errors';
import { HtuRequest } from '../verification/htu';
import { Principal } from '../core/principal';
import { tokenHash } from '../transport/expiring-cache';

/**
 * Each request's credential state, parsed once from its headers: kept off the request object, as the raw token
 * must be (nothing a logger could print, nothing a handler could change).
 */
const states = new WeakMap<object, RequestCredential>();

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

/** An access token as the Authorization header carried it, and under which scheme. */
export interface Credential {
  scheme: AuthScheme;
  token: string;
}

/**
 * What a request presented, read from its Authorization and DPoP headers once and kept for the request: the guard,
 * the DPoP check, the challenge and the token exchange all read it here. Each part is worked out at its first use
 * (a cached token needs neither the full header rules nor the proof).
 */
export interface RequestCredential {
  /** Whether the request carries an Authorization header at all. */
  readonly presented: boolean;
  /** The scheme the Authorization header names, when it is one the library takes (for the challenge). */
  readonly scheme: AuthScheme | undefined;
  /**
   * The credential when the header has its usual form — one header line, `Bearer ` or `DPoP ` (as written here) and
   * the token, no other spaces — split without the token68 check of {@link credential}. Only for a lookup among
   * tokens verified before: a hit proves the token is one that passed every check (its SHA-256 matched). Undefined
   * for any other form, where the full rules apply.
   */
  readonly usual: Credential | undefined;
  /**
   * The RFC 6750 §2.1 `Authorization: Bearer <token68>` or RFC 9449 §7.1 `Authorization: DPoP <token68>`
   * credential; anything else — no header, several, another scheme, an empty or malformed credential — is its
   * invalid_token refusal, never a pass.
   */
  readonly credential: Credential | InvalidTokenError;
  /** The one `DPoP` proof header (RFC 9449 §4.3): its value, undefined when none came, or the refusal of several. */
  readonly proof: string | undefined | InvalidDpopProofError;
  /** The token once the guard verified it, for `@AccessToken()`, `@ExchangeToken()` and the permission checks. */
  verifiedToken?: string;
}

/** The credential state of `request`, parsed at the first call and the same object for the rest of the request. */
export function requestCredential(request: AuthenticatedRequest): RequestCredential {
  let state = states.get(request);
  if (!state) {
    state = new ParsedCredential(request);
    states.set(request, state);
  }
  return state;
}

/** {@link RequestCredential} worked out part by part: one object per request, no closure per part. */
class ParsedCredential implements RequestCredential {
  readonly presented: boolean;
  verifiedToken?: string;
  private readonly header: string | string[] | undefined;
  private lines?: number;
  private presentedScheme?: AuthScheme | null;
  private usualForm?: Credential | null;
  private fullForm?: Credential | InvalidTokenError;
  private proofHeader?: string | InvalidDpopProofError | null;

  constructor(private readonly request: AuthenticatedRequest) {
    // A request handed to rememberBearerToken may be a bare object.
    this.header = request.headers?.authorization;
    this.presented = this.header !== undefined;
  }

  get scheme(): AuthScheme | undefined {
    if (this.presentedScheme === undefined) this.presentedScheme = presentedScheme(this.header) ?? null;
    return this.presentedScheme ?? undefined;
  }

  get usual(): Credential | undefined {
    if (this.usualForm === undefined)
      this.usualForm = usualCredential(this.header, () => this.authorizationLines()) ?? null;
    return this.usualForm ?? undefined;
  }

  get credential(): Credential | InvalidTokenError {
    return (this.fullForm ??= fullCredential(this.header, () => this.authorizationLines()));
  }

  get proof(): string | undefined | InvalidDpopProofError {
    if (this.proofHeader === undefined) this.proofHeader = dpopProof(this.request) ?? null;
    return this.proofHeader ?? undefined;
  }

  private authorizationLines(): number {
    return (this.lines ??= headerLines(this.request));
  }
}

/**
 * How many `name` header lines the request arrived with. Node keeps only the first one in `headers` and drops the
 * rest, so a second token is invisible there; a proxy in front that reads the last one would then have checked
 * another token than the one this service authenticates.
 */
function headerLines(request: AuthenticatedRequest, name = 'authorization'): number {
  const raw = request.raw?.rawHeaders ?? request.rawHeaders ?? [];
  let count = 0;
  for (let i = 0; i < raw.length; i += 2)
    if (raw[i].length === name.length && raw[i].toLowerCase() === name) count++;
  return count;
}

function presentedScheme(header: string | string[] | undefined): AuthScheme | undefined {
  if (typeof header !== 'string') return undefined;
  const scheme = /^(Bearer|DPoP) /i.exec(header)?.[1].toLowerCase();
  return scheme === 'bearer' ? 'Bearer' : scheme === 'dpop' ? 'DPoP' : undefined;
}

function fullCredential(
  header: string | string[] | undefined,
  lines: () => number,
): Credential | InvalidTokenError {
  if (Array.isArray(header) || lines() > 1)
    return new InvalidTokenError('token_malformed', 'more than one Authorization header');
  if (header === undefined || header === '')
    return new InvalidTokenError('token_missing', 'access token missing');
  const match = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (!match) {
    // Another scheme's credentials (`Basic …`) are none the library takes; a header that starts as ours but is
    // broken (`Bearer`, `Bearer<token>`) is a malformed token.
    const unsupported = !/^(Bearer|DPoP)/i.test(header);
    return new InvalidTokenError(
      'token_malformed',
      'Authorization header is not a Bearer or DPoP token',
      unsupported,
    );
  }
  return { scheme: match[1].toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer', token: match[2] };
}

/**
 * The request's credential in its usual form, read straight from the header without the per-request state: the
 * hot path of a token verified before, which must not add a WeakMap entry (an ephemeron the garbage collector
 * pays for) to every request. Same answer as `requestCredential(request).usual`.
 */
export function usualCredentialOf(request: AuthenticatedRequest): Credential | undefined {
  const state = states.get(request);
  if (state) return state.usual;
  return usualCredential(request.headers?.authorization, () => headerLines(request));
}

function usualCredential(header: string | string[] | undefined, lines: () => number): Credential | undefined {
  if (typeof header !== 'string') return undefined;
  const scheme: AuthScheme | undefined = header.startsWith('Bearer ')
    ? 'Bearer'
    : header.startsWith('DPoP ')
      ? 'DPoP'
      : undefined;
  if (scheme === undefined) return undefined;
  const start = scheme.length + 1;
  const spaceAt = (i: number) => header.charCodeAt(i) === 32;
  if (header.length === start || spaceAt(start) || spaceAt(header.length - 1) || lines() > 1)
    return undefined;
  return { scheme, token: header.slice(start) };
}

function dpopProof(request: AuthenticatedRequest): string | undefined | InvalidDpopProofError {
  const proof = request.headers?.dpop;
  if (Array.isArray(proof) || headerLines(request, 'dpop') > 1)
    return new InvalidDpopProofError('dpop_proof_malformed', 'more than one DPoP header');
  return proof === '' ? undefined : proof;
}

/** The request's credential under the full header rules; throws its invalid_token refusal. */
export function extractCredential(request: AuthenticatedRequest): Credential {
  const { credential } = requestCredential(request);
  if (credential instanceof InvalidTokenError) throw credential;
  return credential;
}

/** Remembers the verified token of a request, for token exchange later in the same request. */
export function rememberBearerToken(request: object, token: string): void {
  requestCredential(request as AuthenticatedRequest).verifiedToken = token;
}

/** A verified token kept with the principal made from it, and its SHA-256 once a later step asked for it. */
interface KeptToken {
  readonly token: string;
  digest?: string;
}

/** A principal that has met more than one token (a verifier of the application's own that reuses principals). */
const SHARED = Symbol('shared principal');

/**
 * Verified tokens kept per principal, for the hot path of a token verified before: a verifier makes one principal
 * per token and hands the same one to every request with it, so keeping the token there costs a lookup per
 * request instead of an entry per request.
 */
const keptByPrincipal = new WeakMap<Principal, KeptToken | typeof SHARED>();

/**
 * Keeps `token`, verified for `request` as `principal`, for later steps of the request: with the principal when it
 * has only ever met this token, else with the request ({@link rememberBearerToken}).
 */
export function keepVerifiedToken(request: object, principal: Principal, token: string): void {
  const kept = keptByPrincipal.get(principal);
  if (kept === undefined) keptByPrincipal.set(principal, { token });
  else if (kept === SHARED || kept.token !== token) {
    // Never another request's token: a principal met with two tokens keeps none, each request its own.
    keptByPrincipal.set(principal, SHARED);
    rememberBearerToken(request, token);
  }
}

function keptToken(request: object): KeptToken | undefined {
  const principal = (request as AuthenticatedRequest).principal;
  const kept = principal ? keptByPrincipal.get(principal) : undefined;
  return kept === SHARED ? undefined : kept;
}

/** The bearer token the guard verified for this request, if any. */
export function verifiedBearerToken(request: object): string | undefined {
  return states.get(request)?.verifiedToken ?? keptToken(request)?.token;
}

/**
 * The SHA-256 (base64url) of {@link verifiedBearerToken}, worked out once per token where the token is kept with
 * its principal: the key later steps cache their answers for that token under.
 */
export function verifiedTokenDigest(request: object): string | undefined {
  const own = states.get(request)?.verifiedToken;
  if (own !== undefined) return tokenHash(own);
  const kept = keptToken(request);
  if (kept === undefined) return undefined;
  return (kept.digest ??= tokenHash(kept.token));
}

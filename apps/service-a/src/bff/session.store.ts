import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** A login in progress: what the callback must find again (RFC 6749 state, OIDC nonce, RFC 7636 verifier). */
export interface PendingLogin {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

/** The user's tokens, kept on the server only. */
export interface UserTokens {
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly idToken?: string;
  /** When the access token is renewed with the refresh token (ms since the epoch), before it expires. */
  readonly renewAt: number;
  /** When the access token expires (ms since the epoch). */
  readonly expiresAt: number;
}

/** Who is logged in, from the ID token's claims (display only; authorization happens downstream). */
export interface SessionUser {
  readonly sub: string;
  readonly username: string;
  readonly name?: string;
  /** Keycloak's session id (the ID token's `sid`): what a back-channel logout names. */
  readonly sid?: string;
}

/** One browser's server-side session; the browser holds only its random id in an httpOnly cookie. */
export interface Session {
  readonly id: string;
  login?: PendingLogin;
  user?: SessionUser;
  tokens?: UserTokens;
}

/**
 * Where sessions live: in this process ({@link MemorySessionStore}, the default for one service-a) or in Redis
 * (RedisSessionStore, for several replicas and restarts). A store that cannot be reached throws 503
 * `session_store_unavailable`; an entry not used for the idle timeout is gone.
 */
export interface SessionStore {
  get(id: string): Promise<Session | undefined>;
  set(session: Session): Promise<void>;
  delete(id: string): Promise<void>;
  /** Ends every session of Keycloak session `sid` (OIDC Back-Channel Logout); how many there were. */
  deleteByKeycloakSession(sid: string): Promise<number>;
  /** Ends every session of user `sub` (a logout token without `sid`); how many there were. */
  deleteBySubject(sub: string): Promise<number>;
}

/** Injection token of the {@link SessionStore}. */
export const SESSION_STORE = Symbol('SESSION_STORE');

/** A fresh session id: 256 random bits, base64url. */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * In-memory {@link SessionStore}: bounded (least recently used sessions go first) and idle-expiring (a session
 * not used for `idleTimeoutSec` is gone).
 */
export class MemorySessionStore implements SessionStore {
  private readonly sessions: LRUCache<string, Session>;

  constructor(idleTimeoutSec: number, maxSessions = 10_000) {
    this.sessions = new LRUCache({
      max: maxSessions,
      ttl: idleTimeoutSec * 1000,
      updateAgeOnGet: true,
    });
  }

  get(id: string): Promise<Session | undefined> {
    return Promise.resolve(this.sessions.get(id));
  }

  set(session: Session): Promise<void> {
    this.sessions.set(session.id, session);
    return Promise.resolve();
  }

  delete(id: string): Promise<void> {
    this.sessions.delete(id);
    return Promise.resolve();
  }

  deleteByKeycloakSession(sid: string): Promise<number> {
    return Promise.resolve(this.deleteWhere((s) => s.user?.sid === sid));
  }

  deleteBySubject(sub: string): Promise<number> {
    return Promise.resolve(this.deleteWhere((s) => s.user?.sub === sub));
  }

  private deleteWhere(matches: (session: Session) => boolean): number {
    const ids = [...this.sessions.entries()].filter(([, s]) => matches(s)).map(([id]) => id);
    for (const id of ids) this.sessions.delete(id);
    return ids.length;
  }

  get size(): number {
    return this.sessions.size;
  }
}

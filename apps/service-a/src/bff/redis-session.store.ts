import { createHash } from 'node:crypto';
import { Logger, OnApplicationShutdown, ServiceUnavailableException } from '@nestjs/common';
import { createClient } from '@redis/client';
import { SessionCipher } from './session-cipher';
import { Session, SessionStore } from './session.store';

/** How long one Redis command may take before the session route answers 503. */
const COMMAND_TIMEOUT_MS = 2_000;
/** How long a call waits for a dropped connection to come back (a Redis restart) before the route answers 503. */
const RECONNECT_GRACE_MS = 2_000;
/** Keys of this store: a prefix and the session id's SHA-256, so reading Redis gives no usable session id. */
const KEY_PREFIX = 's2s:session:';
/** Sets of session keys by Keycloak session (`sid`) and by user (`sub`), hashed too: what a back-channel logout ends. */
const BY_SID = 's2s:by-sid:';
const BY_SUB = 's2s:by-sub:';

/**
 * Sessions in Redis, shared by every service-a replica and kept across restarts. Each entry is the session
 * encrypted with {@link SessionCipher} under the hash of its id, and expires after the idle timeout; reading it
 * renews that (GETEX). When the connection is down a call waits up to {@link RECONNECT_GRACE_MS} for the client to
 * reconnect (a Redis restart takes a fraction of that) and a command cut by the drop is sent once more after it
 * (GETEX, SET, DEL and SADD are idempotent); past that the route answers 503 `session_store_unavailable`. There is
 * no offline queue, so no request waits longer. An entry that does not decrypt (another key, tampered) is treated
 * as no session.
 */
export class RedisSessionStore implements SessionStore, OnApplicationShutdown {
  private readonly logger = new Logger(RedisSessionStore.name);
  private readonly client;
  private up = true;
  /** Calls waiting for the connection to come back: each resolves on `ready` or after the grace period. */
  private readonly waiting = new Set<() => void>();

  constructor(
    url: string,
    private readonly cipher: SessionCipher,
    private readonly idleTimeoutSec: number,
  ) {
    this.client = createClient({
      url,
      disableOfflineQueue: true,
      commandOptions: { timeout: COMMAND_TIMEOUT_MS },
      socket: {
        connectTimeout: COMMAND_TIMEOUT_MS,
        reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2_000),
      },
    });
    // Logged once per change of state, never with the URL (it may hold a password).
    this.client.on('error', (error: Error) => this.down(error));
    this.client.on('ready', () => {
      if (!this.up) this.logger.log('Redis reachable again: sessions work');
      this.up = true;
      for (const wake of this.waiting) wake();
    });
    // Connecting in the background: service-a starts (and serves its service-identity routes) without Redis.
    this.client.connect().catch((error: Error) => this.down(error));
  }

  async get(id: string): Promise<Session | undefined> {
    const key = keyOf(id);
    const entry = await this.call(() =>
      this.client.getEx(KEY_PREFIX + key, { type: 'EX', value: this.idleTimeoutSec }),
    );
    if (entry === null) return undefined;
    const plaintext = this.cipher.decrypt(entry, key);
    return plaintext === undefined ? undefined : (JSON.parse(plaintext) as Session);
  }

  async set(session: Session): Promise<void> {
    const key = keyOf(session.id);
    const entry = this.cipher.encrypt(JSON.stringify(session), key);
    const ttl = { expiration: { type: 'EX', value: this.idleTimeoutSec } } as const;
    const indexes = [
      session.user?.sid && BY_SID + keyOf(session.user.sid),
      session.user?.sub && BY_SUB + keyOf(session.user.sub),
    ].filter((index): index is string => Boolean(index));
    await this.call(() => {
      const multi = this.client.multi().set(KEY_PREFIX + key, entry, ttl);
      // An index lives as long as its newest session; a member whose session expired is deleted harmlessly.
      for (const index of indexes) multi.sAdd(index, key).expire(index, this.idleTimeoutSec);
      return multi.exec();
    });
  }

  async delete(id: string): Promise<void> {
    await this.call(() => this.client.del(KEY_PREFIX + keyOf(id)));
  }

  deleteByKeycloakSession(sid: string): Promise<number> {
    return this.deleteIndexed(BY_SID + keyOf(sid));
  }

  deleteBySubject(sub: string): Promise<number> {
    return this.deleteIndexed(BY_SUB + keyOf(sub));
  }

  private async deleteIndexed(index: string): Promise<number> {
    const keys = await this.call(() => this.client.sMembers(index));
    if (keys.length === 0) return 0;
    const deleted = await this.call(() => this.client.del([...keys.map((k) => KEY_PREFIX + k), index]));
    return Math.max(0, Number(deleted) - 1); // the index itself was one of them
  }

  /** Closes the connection (Nest's shutdown). */
  async onApplicationShutdown(): Promise<void> {
    if (this.client.isOpen) await this.client.close();
  }

  /** `command` once the client is ready, and once more after a reconnect if the drop cut it. */
  private async call<T>(command: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      if (!(await this.ready())) throw unavailable();
      try {
        return await command();
      } catch (error) {
        this.down(error as Error);
        if (attempt === 2) throw unavailable();
      }
    }
  }

  /** Whether the client is ready now or becomes ready within the grace period. */
  private ready(): Promise<boolean> {
    if (this.client.isReady) return Promise.resolve(true);
    if (!this.client.isOpen) return Promise.resolve(false); // closed for good (shutdown): no reconnect to wait for
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiting.delete(wake);
        resolve(this.client.isReady);
      };
      const timer = setTimeout(wake, RECONNECT_GRACE_MS);
      this.waiting.add(wake);
    });
  }

  private down(error: Error): void {
    if (this.up)
      this.logger.warn(
        `Redis unreachable (${error.name}: ${(error as { code?: string }).code ?? 'error'}): session routes answer 503`,
      );
    this.up = false;
  }
}

function keyOf(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

function unavailable(): ServiceUnavailableException {
  return new ServiceUnavailableException({
    statusCode: 503,
    error: 'session_store_unavailable',
    message: 'the session store (Redis) cannot be reached; try again shortly',
  });
}

import { createHash } from 'node:crypto';
import { ServiceUnavailableException } from '@nestjs/common';
import type { SharedRedis } from '@app/service-runtime';
import { SessionCipher } from './session-cipher';
import { Session, SessionStore } from './session.store';

/** Keys of this store: a prefix and the session id's SHA-256, so reading Redis gives no usable session id. */
const KEY_PREFIX = 's2s:session:';
/** Sets of session keys by Keycloak session (`sid`) and by user (`sub`), hashed too: what a back-channel logout ends. */
const BY_SID = 's2s:by-sid:';
const BY_SUB = 's2s:by-sub:';

/**
 * The session (KEYS[1] = ARGV[1], expiring after ARGV[2] s) and its indexes (KEYS[2..], each gaining the session's
 * key ARGV[3] and living as long as its newest session) in one atomic step: no session a logout cannot find.
 */
const WRITE = `redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
for i = 2, #KEYS do
  redis.call('SADD', KEYS[i], ARGV[3])
  redis.call('EXPIRE', KEYS[i], ARGV[2])
end
return 1`;

/**
 * Sessions in Redis, shared by every service-a replica and kept across restarts. Each entry is the session
 * encrypted with {@link SessionCipher} under the hash of its id, and expires after the idle timeout; reading it
 * renews that (GETEX). The commands go through the service's {@link SharedRedis} (its one connection): while the
 * connection is down a call waits for it to come back for the connection's grace period (a Redis restart), and a
 * command cut by the drop is sent once more after it (GETEX, SET, DEL, SADD and EXPIRE are idempotent); past that
 * the route answers 503 `session_store_unavailable`. No request waits longer. An entry that does not decrypt
 * (another key, tampered) is treated as no session.
 */
export class RedisSessionStore implements SessionStore {
  constructor(
    private readonly redis: SharedRedis,
    private readonly cipher: SessionCipher,
    private readonly idleTimeoutSec: number,
  ) {}

  async get(id: string): Promise<Session | undefined> {
    const key = keyOf(id);
    const entry = await this.call(['GETEX', KEY_PREFIX + key, 'EX', String(this.idleTimeoutSec)]);
    if (entry === null) return undefined;
    const plaintext = this.cipher.decrypt(String(entry), key);
    return plaintext === undefined ? undefined : (JSON.parse(plaintext) as Session);
  }

  async set(session: Session): Promise<void> {
    const key = keyOf(session.id);
    const entry = this.cipher.encrypt(JSON.stringify(session), key);
    const indexes = [
      session.user?.sid && BY_SID + keyOf(session.user.sid),
      session.user?.sub && BY_SUB + keyOf(session.user.sub),
    ].filter((index): index is string => Boolean(index));
    // A member of an index whose session expired is deleted harmlessly.
    const keys = [KEY_PREFIX + key, ...indexes];
    await this.call(['EVAL', WRITE, String(keys.length), ...keys, entry, String(this.idleTimeoutSec), key]);
  }

  async delete(id: string): Promise<void> {
    await this.call(['DEL', KEY_PREFIX + keyOf(id)]);
  }

  deleteByKeycloakSession(sid: string): Promise<number> {
    return this.deleteIndexed(BY_SID + keyOf(sid));
  }

  deleteBySubject(sub: string): Promise<number> {
    return this.deleteIndexed(BY_SUB + keyOf(sub));
  }

  private async deleteIndexed(index: string): Promise<number> {
    const keys = (await this.call(['SMEMBERS', index])) as string[];
    if (keys.length === 0) return 0;
    const deleted = await this.call(['DEL', ...keys.map((k) => KEY_PREFIX + k), index]);
    return Math.max(0, Number(deleted) - 1); // the index itself was one of them
  }

  /** One idempotent command; Redis unreachable (past the grace period) or failing: 503. */
  private async call(args: string[]): Promise<unknown> {
    try {
      return await this.redis.sendCommand(args, { idempotent: true });
    } catch {
      throw unavailable();
    }
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

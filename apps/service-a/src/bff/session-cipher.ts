import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** AES-256-GCM: 32-byte keys, a 12-byte random IV per entry, a 16-byte tag (NIST SP 800-38D). */
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** The format of an entry: `v1.<key id>.<iv>.<ciphertext>.<tag>`, base64url parts. */
const VERSION = 'v1';

/** Why {@link SessionCipher.fromConfig} refused a key list. */
export class SessionKeysError extends Error {}

/**
 * Encrypts sessions for a shared store: the tokens in them are never in the store in clear. The first key encrypts;
 * every key decrypts, so a key is rotated by putting the new one first and removing the old one once the idle
 * timeout has passed. Each entry is bound to its session (the id's hash is the GCM additional data): an entry copied
 * under another key of the store does not decrypt.
 */
export class SessionCipher {
  private readonly keys: readonly { id: string; key: Buffer }[];

  constructor(keys: readonly Buffer[]) {
    if (keys.length === 0) throw new SessionKeysError('at least one key is required');
    for (const key of keys)
      if (key.length !== KEY_BYTES)
        throw new SessionKeysError(`each key must be ${KEY_BYTES} bytes (base64), got ${key.length}`);
    // A key's id is a short hash of it: an entry names the key that made it without revealing it.
    this.keys = keys.map((key) => ({
      id: createHash('sha256').update(key).digest('base64url').slice(0, 8),
      key,
    }));
  }

  /** The keys of a comma-separated list of base64 (or base64url) 32-byte values, e.g. `SESSION_ENCRYPTION_KEYS`. */
  static fromConfig(list: string): SessionCipher {
    const keys = list
      .split(',')
      .map((k) => k.trim())
      .filter((k) => k !== '')
      .map((k) => Buffer.from(k, 'base64'));
    return new SessionCipher(keys);
  }

  /** `plaintext` encrypted for the session whose id hashes to `binding`. */
  encrypt(plaintext: string, binding: string): string {
    const { id, key } = this.keys[0];
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(binding));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, id, iv, data, cipher.getAuthTag()]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  /** The plaintext, or undefined when the entry is not one of ours: unknown key, tampered, or another session's. */
  decrypt(entry: string, binding: string): string | undefined {
    const [version, id, iv, data, tag] = entry.split('.');
    const known = this.keys.find((k) => k.id === id);
    if (version !== VERSION || !known || tag === undefined) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', known.key, Buffer.from(iv, 'base64url'), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(Buffer.from(binding));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      return undefined;
    }
  }
}

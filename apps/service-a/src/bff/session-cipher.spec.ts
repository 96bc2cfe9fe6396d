import { randomBytes } from 'node:crypto';
import { SessionCipher, SessionKeysError } from './session-cipher';

const key = () => randomBytes(32);
const SESSION = JSON.stringify({ id: 'abc', tokens: { accessToken: 'eyJhbGciOi.secret.token' } });

describe('SessionCipher (AES-256-GCM)', () => {
  it('encrypts with a fresh IV each time and decrypts to the same session', () => {
    const cipher = new SessionCipher([key()]);
    const [a, b] = [cipher.encrypt(SESSION, 'h1'), cipher.encrypt(SESSION, 'h1')];
    expect(a).not.toBe(b);
    expect(a).not.toContain('eyJ');
    expect(cipher.decrypt(a, 'h1')).toBe(SESSION);
    expect(cipher.decrypt(b, 'h1')).toBe(SESSION);
  });

  it('refuses an entry moved under another session, or changed by one byte', () => {
    const cipher = new SessionCipher([key()]);
    const entry = cipher.encrypt(SESSION, 'h1');
    expect(cipher.decrypt(entry, 'h2')).toBeUndefined();
    const parts = entry.split('.');
    const data = Buffer.from(parts[3], 'base64url');
    data[0] ^= 1;
    parts[3] = data.toString('base64url');
    expect(cipher.decrypt(parts.join('.'), 'h1')).toBeUndefined();
    expect(cipher.decrypt('not an entry', 'h1')).toBeUndefined();
  });

  it('rotates: the first key encrypts, every key decrypts, a removed key no longer does', () => {
    const [oldKey, newKey] = [key(), key()];
    const before = new SessionCipher([oldKey]).encrypt(SESSION, 'h');
    const during = new SessionCipher([newKey, oldKey]);
    expect(during.decrypt(before, 'h')).toBe(SESSION);
    const written = during.encrypt(SESSION, 'h');
    const after = new SessionCipher([newKey]);
    expect(after.decrypt(written, 'h')).toBe(SESSION);
    expect(after.decrypt(before, 'h')).toBeUndefined();
  });

  it('takes its keys from a comma-separated base64 list and refuses one that is not 32 bytes, without printing it', () => {
    const [a, b] = [key(), key()];
    const cipher = SessionCipher.fromConfig(` ${a.toString('base64')} , ${b.toString('base64')} `);
    expect(new SessionCipher([b]).decrypt(cipher.encrypt(SESSION, 'h'), 'h')).toBeUndefined();
    expect(new SessionCipher([a]).decrypt(cipher.encrypt(SESSION, 'h'), 'h')).toBe(SESSION);
    const short = randomBytes(16).toString('base64');
    expect(() => SessionCipher.fromConfig(short)).toThrow(SessionKeysError);
    expect(() => SessionCipher.fromConfig(short)).toThrow(/32 bytes/);
    expect(() => SessionCipher.fromConfig(short)).not.toThrow(short);
    expect(() => SessionCipher.fromConfig(' , ')).toThrow('at least one key is required');
  });
});

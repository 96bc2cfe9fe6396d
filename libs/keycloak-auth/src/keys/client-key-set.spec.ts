import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addClientKey, parseClientKey, readClientKeys } from './client-key-file';
import { ClientKeySet, retireClientKeys } from './client-key-set';

const T0 = Date.parse('2026-12-01T10:00:00Z');

describe('ClientKeySet', () => {
  let dir: string;
  let now: number;
  const clock = { now: () => now };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'client-keys-'));
    now = T0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('makes a first key in an empty folder with generate, private to its owner, and signs with it at once', () => {
    const log = vi.fn();
    const keys = new ClientKeySet({ dir: join(dir, 'service-a'), generate: true }, clock, log);
    const [file] = readdirSync(join(dir, 'service-a'));
    expect(file).toMatch(/^[\w-]{43}\.key\.json$/);
    expect(statSync(join(dir, 'service-a', file)).mode & 0o777).toBe(0o600);
    expect(keys.signingKey().kid).toBe(file.replace('.key.json', ''));
    expect(log).toHaveBeenCalledWith(expect.stringContaining('made a new client key'));
  });

  it('refuses to start on a folder without key unless told to generate one', () => {
    expect(() => new ClientKeySet({ dir }, clock)).toThrow(`${dir} holds no key (*.key.json)`);
    expect(() => new ClientKeySet({ dir: join(dir, 'missing') }, clock)).toThrow(/ENOENT/);
  });

  it('names a file that is not a key, without its contents', () => {
    writeFileSync(
      join(dir, 'x.key.json'),
      '{"privateJwk":{"kid":"x","alg":"ES256","d":"secret-bits"},"created":"2026-12-01T00:00:00Z"}',
    );
    const error = (() => {
      try {
        return new ClientKeySet({ dir }, clock);
      } catch (e) {
        return e as Error;
      }
    })() as Error;
    expect(error.message).toBe('x.key.json holds no private key that parses');
    expect(() => parseClientKey('nope', 'y.key.json')).toThrow('y.key.json is not JSON');
    expect(() =>
      parseClientKey('{"privateJwk":{"kid":"k","alg":"HS256"},"created":"2026-12-01T00:00:00Z"}', 'z'),
    ).toThrow('z: alg must be one of ES256, ES384, RS256, PS256');
  });

  it('publishes a new key at once and signs with it only after the activation delay; retiring then drops the old one', () => {
    const first = addClientKey(dir, 'ES256', new Date(T0 - 3600_000));
    const keys = new ClientKeySet({ dir, activationDelaySec: 30, reloadIntervalSec: 5 }, clock);
    expect(keys.signingKey().kid).toBe(first);
    const next = addClientKey(dir, 'RS256', new Date(T0));
    now = T0 + 4_000; // within the reload interval: the folder is not read again
    expect(keys.jwks().keys.map((k) => k.kid)).toEqual([first]);
    now = T0 + 5_000;
    expect(keys.jwks().keys.map((k) => k.kid)).toEqual([first, next]);
    expect(keys.jwks().keys.every((k) => k.use === 'sig' && !('d' in k) && !('p' in k))).toBe(true);
    now = T0 + 29_999;
    expect(keys.signingKey().kid).toBe(first);
    expect(() => retireClientKeys(dir, 30, now)).toThrow(/signs only from 2026-12-01T10:00:30.000Z/);
    now = T0 + 30_000;
    expect(keys.signingKey().kid).toBe(next);
    expect(keys.signingKey().alg).toBe('RS256');
    expect(retireClientKeys(dir, 30, now)).toEqual([first]);
    now = T0 + 36_000;
    expect(keys.jwks().keys.map((k) => k.kid)).toEqual([next]);
    expect(readClientKeys(dir).map((k) => k.kid)).toEqual([next]);
  });

  it('keeps the last keys read when the folder is emptied or unreadable, and says so', () => {
    const kid = addClientKey(dir);
    const log = vi.fn();
    const keys = new ClientKeySet({ dir, reloadIntervalSec: 1 }, clock, log);
    rmSync(join(dir, `${kid}.key.json`));
    now += 1000;
    expect(keys.signingKey().kid).toBe(kid);
    expect(log).toHaveBeenCalledWith(`${dir} holds no key any more; keeping the last ones read`);
    rmSync(dir, { recursive: true });
    now += 1000;
    expect(keys.jwks().keys.map((k) => k.kid)).toEqual([kid]);
    expect(log).toHaveBeenLastCalledWith(expect.stringContaining('could not be re-read'));
  });
});

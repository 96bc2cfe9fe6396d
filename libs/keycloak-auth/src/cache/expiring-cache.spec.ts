import { TestClock } from '../../test/local-idp';
import { ExpiringCache, tokenHash } from './expiring-cache';

describe('ExpiringCache', () => {
  const clock = new TestClock(1_000_000);

  it('serves a value until it expires on the injected clock, then loads again', async () => {
    const cache = new ExpiringCache<number>(10, clock);
    let loads = 0;
    const load = async () => ({ value: ++loads, expiresAt: clock.now() + 1000 });
    expect(await cache.getOrLoad('k', load)).toBe(1);
    clock.advance(999);
    expect(await cache.getOrLoad('k', load)).toBe(1);
    clock.advance(1);
    expect(await cache.getOrLoad('k', load)).toBe(2);
    expect(cache.stats).toEqual({ hits: 1, misses: 2 });
  });

  it('runs one load for concurrent misses of one key', async () => {
    const cache = new ExpiringCache<string>(10, clock);
    let loads = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const load = async () => {
      loads++;
      await gate;
      return { value: 'v', expiresAt: clock.now() + 1000 };
    };
    const all = Promise.all(Array.from({ length: 25 }, () => cache.getOrLoad('k', load)));
    release();
    expect(await all).toEqual(Array(25).fill('v'));
    expect(loads).toBe(1);
  });

  it('does not remember a failed load', async () => {
    const cache = new ExpiringCache<string>(10, clock);
    await expect(cache.getOrLoad('k', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    await expect(
      cache.getOrLoad('k', async () => ({ value: 'up', expiresAt: clock.now() + 1000 })),
    ).resolves.toBe('up');
  });

  it('does not store a value that is already expired', async () => {
    const cache = new ExpiringCache<string>(10, clock);
    await cache.getOrLoad('k', async () => ({ value: 'stale', expiresAt: clock.now() }));
    expect(cache.size).toBe(0);
  });

  it('never holds more entries than its bound', async () => {
    const cache = new ExpiringCache<number>(100, clock);
    for (let i = 0; i < 1000; i++)
      await cache.getOrLoad(`k${i}`, async () => ({ value: i, expiresAt: clock.now() + 1000 }));
    expect(cache.size).toBe(100);
  });

  it('keys tokens by a stable digest that is not the token', () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
    expect(tokenHash(token)).toBe(tokenHash(token));
    expect(tokenHash(token)).not.toContain(token);
    expect(tokenHash(token)).not.toBe(tokenHash(`${token}x`));
  });
});

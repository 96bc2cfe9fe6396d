import { TestClock } from '../testing/local-idp';
import { ExpiringCache, tokenHash } from './expiring-cache';

describe('ExpiringCache', () => {
  let clock: TestClock;
  beforeEach(() => (clock = new TestClock(1_000_000)));
  /** A cache whose lookups are counted through its `onLookup` hook. */
  const counted = <V>(maxEntries: number) => {
    const stats = { hits: 0, misses: 0 };
    const cache = new ExpiringCache<V>(
      maxEntries,
      clock,
      (result) => void stats[result === 'hit' ? 'hits' : 'misses']++,
    );
    return { cache, stats };
  };

  it('serves a value until its expiresAt on the injected clock, then loads it again', async () => {
    const { cache, stats } = counted<number>(10);
    let loads = 0;
    const load = async () => ({ value: ++loads, expiresAt: clock.now() + 1000 });
    expect(await cache.getOrLoad('k', load)).toBe(1);
    clock.advance(999);
    expect(await cache.getOrLoad('k', load)).toBe(1);
    clock.advance(1);
    expect(await cache.getOrLoad('k', load)).toBe(2);
    expect(loads).toBe(2);
    expect(stats).toEqual({ hits: 1, misses: 2 });
  });

  it('has a key while it is loading and while it is fresh, without counting a lookup', async () => {
    const { cache, stats } = counted<number>(10);
    expect(cache.has('k')).toBe(false);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const loading = cache.getOrLoad('k', async () => {
      await gate;
      return { value: 1, expiresAt: clock.now() + 1000 };
    });
    expect(cache.has('k')).toBe(true);
    release();
    await loading;
    clock.advance(999);
    expect(cache.has('k')).toBe(true);
    clock.advance(1);
    expect(cache.has('k')).toBe(false);
    expect(stats).toEqual({ hits: 0, misses: 1 });
  });

  it('answers fresh() from a fresh entry counted as a hit, and leaves a miss uncounted for the load', async () => {
    const { cache, stats } = counted<number>(10);
    expect(cache.fresh('k')).toBeUndefined();
    expect(stats).toEqual({ hits: 0, misses: 0 });
    await cache.getOrLoad('k', async () => ({ value: 7, expiresAt: clock.now() + 1000 }));
    expect(cache.fresh('k')).toBe(7);
    clock.advance(1000);
    expect(cache.fresh('k')).toBeUndefined();
    expect(stats).toEqual({ hits: 1, misses: 1 });
  });

  it('runs one load for concurrent misses of one key (single flight)', async () => {
    const { cache, stats } = counted<string>(10);
    let loads = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const load = async () => {
      loads++;
      await gate;
      return { value: `v${loads}`, expiresAt: clock.now() + 1000 };
    };
    const all = Promise.all(Array.from({ length: 25 }, () => cache.getOrLoad('k', load)));
    release();
    expect(await all).toEqual(Array(25).fill('v1'));
    expect(loads).toBe(1);
    expect(stats).toEqual({ hits: 24, misses: 1 });
  });

  it('shares a failed load among its concurrent callers, then does not remember it', async () => {
    const cache = new ExpiringCache<string>(10, clock);
    let loads = 0;
    const failing = async () => {
      loads++;
      throw new Error('down');
    };
    const results = await Promise.allSettled([cache.getOrLoad('k', failing), cache.getOrLoad('k', failing)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(loads).toBe(1);
    await expect(cache.getOrLoad('k', failing)).rejects.toThrow('down');
    expect(loads).toBe(2);
    await expect(
      cache.getOrLoad('k', async () => ({ value: 'up', expiresAt: clock.now() + 1000 })),
    ).resolves.toBe('up');
  });

  it('does not store a value that is already expired when it arrives', async () => {
    const cache = new ExpiringCache<string>(10, clock);
    let loads = 0;
    const load = async () => ({ value: `stale-${++loads}`, expiresAt: clock.now() });
    await cache.getOrLoad('k', load);
    expect(cache.size).toBe(0);
    await expect(cache.getOrLoad('k', load)).resolves.toBe('stale-2');
  });

  it('never holds more entries than its bound and evicts the least recently used', async () => {
    const { cache, stats } = counted<number>(100);
    const load = (i: number) => async () => ({ value: i, expiresAt: clock.now() + 60_000 });
    for (let i = 0; i < 1000; i++) {
      await cache.getOrLoad(`k${i}`, load(i));
      if (i % 10 === 0) await cache.getOrLoad('k0', load(-1)); // keep k0 recently used
      expect(cache.size).toBeLessThanOrEqual(100);
    }
    expect(cache.size).toBe(100);
    const misses = stats.misses;
    await expect(cache.getOrLoad('k0', load(-1))).resolves.toBe(0);
    await expect(cache.getOrLoad('k999', load(-1))).resolves.toBe(999);
    expect(stats.misses).toBe(misses);
    await expect(cache.getOrLoad('k1', load(-1))).resolves.toBe(-1);
    expect(stats.misses).toBe(misses + 1);
  });

  it('forgets a deleted key', async () => {
    const cache = new ExpiringCache<string>(10, clock);
    await cache.getOrLoad('k', async () => ({ value: 'old', expiresAt: clock.now() + 1000 }));
    cache.delete('k');
    expect(cache.size).toBe(0);
    await expect(
      cache.getOrLoad('k', async () => ({ value: 'new', expiresAt: clock.now() + 1000 })),
    ).resolves.toBe('new');
  });
});

describe('tokenHash', () => {
  const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

  it('is a stable SHA-256 digest that is not the token', () => {
    expect(tokenHash(token)).toBe(tokenHash(token));
    expect(tokenHash(token)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(tokenHash(token)).not.toContain(token);
    expect(tokenHash(token)).not.toContain('c2lnbmF0dXJl');
  });

  it('differs for tokens differing in one character', () => {
    expect(tokenHash(token)).not.toBe(tokenHash(`${token.slice(0, -1)}Z`));
  });
});

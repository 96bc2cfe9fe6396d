import { positiveEnv } from './heap-probe';

describe('positiveEnv', () => {
  it('reads a whole number > 0', () => {
    expect(positiveEnv('BENCH_CACHE_MAX_ENTRIES', { BENCH_CACHE_MAX_ENTRIES: '1000' })).toBe(1000);
  });

  it.each([undefined, '', '0', '-3', '2.5', 'many'])('refuses %j, naming the key', (value) => {
    expect(() => positiveEnv('BENCH_HEAP_PORT', { BENCH_HEAP_PORT: value })).toThrow(
      `BENCH_HEAP_PORT must be a whole number > 0, got "${value}"`,
    );
  });
});

import { inParallel } from './user-tokens';

describe('inParallel', () => {
  it('runs every index once, at most `concurrency` at a time, results in index order', async () => {
    let running = 0;
    let most = 0;
    const results = await inParallel(10, 3, async (i) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, (10 - i) % 4));
      running--;
      return i * 2;
    });
    expect(results).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(most).toBe(3);
  });

  it('a failure rejects the whole', async () => {
    await expect(
      inParallel(5, 2, (i) => (i === 3 ? Promise.reject(new Error('no 3')) : Promise.resolve(i))),
    ).rejects.toThrow('no 3');
  });
});

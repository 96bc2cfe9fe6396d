import { usersPlan, warmupPass } from './users-plan';

describe('users plan', () => {
  it('one token, each count under the default bound, then the biggest count over the thrash bound', () => {
    expect(usersPlan([1000, 10_000], 1000)).toEqual([
      { id: 'one-token', title: '1 token', users: 1, cacheMaxEntries: 10_000 },
      { id: 'users-1000', title: '1000 users', users: 1000, cacheMaxEntries: 10_000 },
      { id: 'users-10000', title: '10000 users', users: 10_000, cacheMaxEntries: 10_000 },
      {
        id: 'users-10000-bound-1000',
        title: '10000 users, bound 1000',
        users: 10_000,
        cacheMaxEntries: 1000,
      },
    ]);
  });

  it('refuses a thrash bound that is not below the biggest count', () => {
    expect(() => usersPlan([200, 1000], 1000)).toThrow(RangeError);
  });

  it('the warm-up pass sends every token once, the bound’s worth when over it, at least one per connection', () => {
    expect(warmupPass({ id: 'a', title: 'a', users: 1000, cacheMaxEntries: 10_000 }, 20)).toBe(1000);
    expect(warmupPass({ id: 'b', title: 'b', users: 10_000, cacheMaxEntries: 1000 }, 20)).toBe(1000);
    expect(warmupPass({ id: 'c', title: 'c', users: 1, cacheMaxEntries: 10_000 }, 20)).toBe(20);
  });
});

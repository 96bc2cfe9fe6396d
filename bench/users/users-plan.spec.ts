import { usersPlan, warmupPass } from './users-plan';

describe('users plan', () => {
  it('one token, each count under the default bound, then the biggest count over the thrash bound', () => {
    expect(usersPlan([1000, 10_000], 1000, ['jwt'])).toEqual([
      { id: 'jwt-one-token', title: '1 token', mode: 'jwt', users: 1, cacheMaxEntries: 10_000 },
      { id: 'jwt-users-1000', title: '1000 users', mode: 'jwt', users: 1000, cacheMaxEntries: 10_000 },
      { id: 'jwt-users-10000', title: '10000 users', mode: 'jwt', users: 10_000, cacheMaxEntries: 10_000 },
      {
        id: 'jwt-users-10000-bound-1000',
        title: '10000 users, bound 1000',
        mode: 'jwt',
        users: 10_000,
        cacheMaxEntries: 1000,
      },
    ]);
  });

  it('the same runs for each mode, one mode after the other', () => {
    const plan = usersPlan([200], 20, ['jwt', 'introspection']);
    expect(plan.map((run) => run.id)).toEqual([
      'jwt-one-token',
      'jwt-users-200',
      'jwt-users-200-bound-20',
      'introspection-one-token',
      'introspection-users-200',
      'introspection-users-200-bound-20',
    ]);
  });

  it('refuses a thrash bound that is not below the biggest count', () => {
    expect(() => usersPlan([200, 1000], 1000, ['jwt'])).toThrow(RangeError);
  });

  it('the warm-up pass sends every token once, the bound’s worth when over it, at least one per connection', () => {
    expect(warmupPass({ id: 'a', title: 'a', mode: 'jwt', users: 1000, cacheMaxEntries: 10_000 }, 20)).toBe(
      1000,
    );
    expect(warmupPass({ id: 'b', title: 'b', mode: 'jwt', users: 10_000, cacheMaxEntries: 1000 }, 20)).toBe(
      1000,
    );
    expect(warmupPass({ id: 'c', title: 'c', mode: 'jwt', users: 1, cacheMaxEntries: 10_000 }, 20)).toBe(20);
  });
});

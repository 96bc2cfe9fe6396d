import type { UsersMode } from '../report/users-report';

/** The library's default bound of each token cache (`verification.cacheMaxEntries`). */
export const DEFAULT_CACHE_MAX_ENTRIES = 10_000;

/** One run of the users part: how many distinct user tokens go in turn, through caches of what bound. */
export interface PlannedRun {
  id: string;
  title: string;
  mode: UsersMode;
  users: number;
  cacheMaxEntries: number;
}

/**
 * The runs of each mode, in order: one token (the baseline), each user count under the default bound, and the
 * biggest count through caches bounded below it (`thrashBound`): what the bound holds and what missing it costs.
 */
export function usersPlan(
  users: readonly number[],
  thrashBound: number,
  modes: readonly UsersMode[],
): PlannedRun[] {
  const biggest = Math.max(...users);
  if (!(thrashBound < biggest))
    throw new RangeError(`the thrash bound ${thrashBound} is not below ${biggest} users`);
  return modes.flatMap((mode): PlannedRun[] => [
    { id: `${mode}-one-token`, title: '1 token', mode, users: 1, cacheMaxEntries: DEFAULT_CACHE_MAX_ENTRIES },
    ...users.map((n) => ({
      id: `${mode}-users-${n}`,
      title: `${n} users`,
      mode,
      users: n,
      cacheMaxEntries: DEFAULT_CACHE_MAX_ENTRIES,
    })),
    {
      id: `${mode}-users-${biggest}-bound-${thrashBound}`,
      title: `${biggest} users, bound ${thrashBound}`,
      mode,
      users: biggest,
      cacheMaxEntries: thrashBound,
    },
  ]);
}

/**
 * Requests of the warm-up pass: every token once, or — when the users exceed the bound — the bound's worth, after
 * which every request is a miss anyway. Never fewer than the connections (the load generator's minimum).
 */
export function warmupPass(run: PlannedRun, connections: number): number {
  return Math.max(Math.min(run.users, run.cacheMaxEntries), connections);
}

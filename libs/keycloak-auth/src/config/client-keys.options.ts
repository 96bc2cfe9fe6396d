import type { OptionProblem } from './option-problem';
import { ClientKeySet } from '../keys/client-key-set';

/**
 * What is wrong with `clientAuth.keys` under `private_key_jwt`, one problem per key (named under `at`): the folder
 * is required; whether the folder holds a key is checked when the key set is read, after these.
 */
export function clientKeysProblems(keys: unknown, at = 'clientAuth.keys'): OptionProblem[] {
  if (keys instanceof ClientKeySet) return [];
  if (typeof keys !== 'object' || keys === null)
    return [
      {
        option: at,
        reason: 'is required with method private_key_jwt (a folder of key files, or a ClientKeySet)',
      },
    ];
  const given = keys as Record<string, unknown>;
  const problems: OptionProblem[] = [];
  if (typeof given.dir !== 'string' || given.dir.trim() === '')
    problems.push({ option: `${at}.dir`, reason: 'is required (the folder of key files)' });
  if (given.generate !== undefined && typeof given.generate !== 'boolean')
    problems.push({ option: `${at}.generate`, reason: 'must be true or false' });
  for (const key of ['activationDelaySec', 'reloadIntervalSec'] as const) {
    const value = given[key];
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value >= 0))
      problems.push({ option: `${at}.${key}`, reason: 'must be a number >= 0' });
  }
  return problems;
}

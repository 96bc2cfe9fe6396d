import type { KeycloakAuthOptions } from './keycloak-auth.options';
import type { OptionProblem } from './option-problem';
import { ClientKeySet } from '../keys/client-key-set';

/**
 * What is wrong with option `clientKeys` under `private_key_jwt`, one problem per key: the folder is required with
 * it; whether the folder holds a key is checked when the key set is read, after these.
 */
export function clientKeysProblems(options: KeycloakAuthOptions): OptionProblem[] {
  if (options.clientAuthMethod !== 'private_key_jwt') return [];
  const keys = options.clientKeys;
  if (keys instanceof ClientKeySet) return [];
  if (typeof keys !== 'object' || keys === null)
    return [
      {
        option: 'clientKeys',
        reason: 'is required with clientAuthMethod private_key_jwt (a folder of key files)',
      },
    ];
  const problems: OptionProblem[] = [];
  if (typeof keys.dir !== 'string' || keys.dir.trim() === '')
    problems.push({ option: 'clientKeys.dir', reason: 'is required (the folder of key files)' });
  if (keys.generate !== undefined && typeof keys.generate !== 'boolean')
    problems.push({ option: 'clientKeys.generate', reason: 'must be true or false' });
  for (const key of ['activationDelaySec', 'reloadIntervalSec'] as const) {
    const value = keys[key];
    if (value !== undefined && !(Number.isFinite(value) && value >= 0))
      problems.push({ option: `clientKeys.${key}`, reason: 'must be a number >= 0' });
  }
  return problems;
}

import { accessSync, constants } from 'node:fs';
import type { ResolvedKeycloakAuthOptions } from '../config/keycloak-auth.options';
import { InvalidKeycloakAuthOptionsError } from '../config/option-problem';
import { ClientKeySet } from '../keys/client-key-set';

/**
 * What client authentication needs from outside the options, read once at start so a bad path stops the start
 * with the option named: under `private_key_jwt` the key set of `clientKeys` (its folder read, a key made there
 * with `generate`, which `log` hears of); under `federated_jwt` a check that `clientAssertionFile` can be read
 * (it is read anew at every call). Undefined unless `private_key_jwt`. Throws `InvalidKeycloakAuthOptionsError`.
 *
 * @example
 * ```ts
 * const options = resolveKeycloakAuthOptions(raw); // pure: no file read
 * const keys = loadClientKeys(options, (line) => logger.log(line));
 * ```
 */
export function loadClientKeys(
  options: ResolvedKeycloakAuthOptions,
  log: (message: string) => void = () => {},
): ClientKeySet | undefined {
  if (options.clientAuthMethod === 'federated_jwt' && options.clientAssertionFile !== undefined) {
    const file = options.clientAssertionFile;
    try {
      accessSync(file, constants.R_OK);
    } catch (error) {
      const reason = `cannot be read (${(error as NodeJS.ErrnoException).code}): ${file}`;
      throw new InvalidKeycloakAuthOptionsError([{ option: 'clientAssertionFile', reason }]);
    }
  }
  const keys = options.clientAuthMethod === 'private_key_jwt' ? options.clientKeys : undefined;
  if (keys === undefined || keys instanceof ClientKeySet) return keys;
  try {
    return new ClientKeySet(keys, undefined, log);
  } catch (error) {
    throw new InvalidKeycloakAuthOptionsError([
      { option: 'clientKeys.dir', reason: (error as Error).message },
    ]);
  }
}

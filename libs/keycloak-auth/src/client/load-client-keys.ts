import { accessSync, constants } from 'node:fs';
import type { ResolvedKeycloakAuthOptions } from '../config/keycloak-auth.options';
import { InvalidKeycloakAuthOptionsError } from '../config/option-problem';
import { ClientKeySet } from '../keys/client-key-set';

/**
 * What client authentication needs from outside the options, read once at start so a bad path stops the start
 * with the option named: under `private_key_jwt` the key set of `clientAuth.keys` (its folder read, a key made
 * there with `generate`, which `log` hears of); under `federated_jwt` a check that `clientAuth.assertionFile` can
 * be read (it is read anew at every call). Undefined unless `private_key_jwt`. Throws `InvalidKeycloakAuthOptionsError`.
 *
 * @example
 * ```ts
 * const options = resolveKeycloakAuthOptions(raw); // pure: no file read
 * const keys = loadClientKeys(options, (line) => logger.log(line));
 * ```
 */
export function loadClientKeys(
  options: Pick<ResolvedKeycloakAuthOptions, 'home'>,
  log: (message: string) => void = () => {},
): ClientKeySet | undefined {
  const auth = options.home.clientAuth;
  if (auth.method === 'federated_jwt') {
    const file = auth.assertionFile;
    try {
      accessSync(file, constants.R_OK);
    } catch (error) {
      const reason = `cannot be read (${(error as NodeJS.ErrnoException).code}): ${file}`;
      throw new InvalidKeycloakAuthOptionsError([{ option: 'clientAuth.assertionFile', reason }]);
    }
  }
  if (auth.method !== 'private_key_jwt') return undefined;
  if (auth.keys instanceof ClientKeySet) return auth.keys;
  try {
    return new ClientKeySet(auth.keys, undefined, log);
  } catch (error) {
    throw new InvalidKeycloakAuthOptionsError([
      { option: 'clientAuth.keys.dir', reason: (error as Error).message },
    ]);
  }
}

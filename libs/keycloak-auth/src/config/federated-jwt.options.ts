import type { KeycloakAuthOptions } from './keycloak-auth.options';
import type { OptionProblem } from './option-problem';

/**
 * What is wrong with the options of `federated_jwt` client authentication, one problem per key: the assertion file
 * is required with it (`loadClientKeys` checks at start that it can be read), useless without it, and it replaces
 * the client secret, so a secret next to it is refused.
 */
export function federatedJwtProblems(options: KeycloakAuthOptions): OptionProblem[] {
  const file = options.clientAssertionFile;
  if (options.clientAuthMethod !== 'federated_jwt') {
    return file === undefined
      ? []
      : [{ option: 'clientAssertionFile', reason: 'is only used with clientAuthMethod federated_jwt' }];
  }
  const problems: OptionProblem[] = [];
  if (typeof file !== 'string' || file.trim() === '') {
    problems.push({
      option: 'clientAssertionFile',
      reason:
        'is required with clientAuthMethod federated_jwt (the file holding the token, e.g. a projected service-account token)',
    });
  }
  const secrets = [
    ['clientSecret', options.clientSecret],
    ...(options.additionalRealms ?? []).map((r, i) => [
      `additionalRealms[${i}].clientSecret`,
      r?.clientSecret,
    ]),
  ];
  for (const [key, secret] of secrets) {
    if (typeof secret === 'string' && secret !== '')
      problems.push({
        option: String(key),
        reason: 'must not be set with clientAuthMethod federated_jwt (the assertion is the credential)',
      });
  }
  return problems;
}

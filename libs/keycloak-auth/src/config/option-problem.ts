/** One refused option: its key (e.g. `additionalRealms[0].url`) and why. */
export interface OptionProblem {
  readonly option: string;
  readonly reason: string;
}

/**
 * The error {@link resolveKeycloakAuthOptions} throws: its message names every refused option, and `problems` lists
 * them one by one, so an app that reads its options from elsewhere (environment keys) can name its own keys.
 */
export class InvalidKeycloakAuthOptionsError extends Error {
  constructor(readonly problems: readonly OptionProblem[]) {
    super(
      `Invalid KeycloakAuthModule options: ${problems.map((p) => `${p.option}: ${p.reason}`).join('; ')}`,
    );
    this.name = 'InvalidKeycloakAuthOptionsError';
  }
}

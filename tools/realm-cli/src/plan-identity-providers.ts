import { diffFields } from './field-diff';
import type { Change } from './plan';
import type { IdentityProviderSpec } from './realm-overlay';

/** An identity provider as Keycloak has it (its representation without the internal id), by alias. */
export type LiveIdentityProviders = Record<string, Record<string, unknown> | undefined>;

/**
 * The changes that give the realm the identity providers the file names (a realm overlay's, such as the Kubernetes
 * one that federated client authentication trusts): a missing one is created, a present one gets the fields and
 * the config keys the file states. Providers the file does not name are left alone.
 */
export function planIdentityProviders(
  want: IdentityProviderSpec[] | undefined,
  live: LiveIdentityProviders,
): Change[] {
  const changes: Change[] = [];
  for (const provider of want ?? []) {
    const { alias } = provider;
    const have = live[alias];
    if (!have) {
      changes.push({
        line: `+ identity provider ${alias} (${provider.providerId})`,
        action: { kind: 'createIdentityProvider', provider },
      });
      continue;
    }
    const fields = diffFields(`identity provider ${alias}`, provider, have, ['alias', 'internalId']);
    // One request fixes every line: they share the action.
    const action = { kind: 'updateIdentityProvider' as const, alias, patch: fields.patch };
    changes.push(...fields.lines.map((line) => ({ line, action })));
  }
  return changes;
}

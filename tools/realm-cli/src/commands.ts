import type KcAdminClient from '@keycloak/keycloak-admin-client';
import { CliError } from './cli-error';
import { readLiveRealm } from './keycloak-reader';
import { KeycloakWriter } from './keycloak-writer';
import { actionsOf, planChanges, type PlanOptions } from './plan';
import type { RealmFile } from './realm-file';

/** Where a command writes: stdout for results, stderr for notes. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

/** What a command works on: the logged-in admin client, the file (realm name already overridden) and where. */
export interface Target {
  admin: KcAdminClient;
  file: RealmFile;
  filePath: string;
  keycloakUrl: string;
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** Prints the drift between the running realm and the file; 0 when there is none, 1 otherwise. */
export async function runDiff(target: Target, options: PlanOptions, output: Output): Promise<number> {
  const { admin, file, filePath, keycloakUrl } = target;
  const live = await readLiveRealm(admin, file, { readSecrets: options.resetSecrets });
  const changes = planChanges(file, live, options);
  const where = `realm ${file.realm} at ${keycloakUrl}`;
  if (!changes.length) {
    output.out(`no differences: ${where} matches ${filePath}`);
    return 0;
  }
  for (const change of changes) output.out(change.line);
  output.out(
    `${count(changes.length, 'difference')} between ${where} and ${filePath} (npm run realm -- apply fixes them)`,
  );
  return 1;
}

/** Makes the running realm match the file and checks that it does; 0 when it does, 1 if something remained. */
export async function runApply(target: Target, options: PlanOptions, output: Output): Promise<number> {
  const { admin, file, filePath, keycloakUrl } = target;
  const where = `realm ${file.realm} at ${keycloakUrl}`;
  const changes = planChanges(
    file,
    await readLiveRealm(admin, file, { readSecrets: options.resetSecrets }),
    options,
  );
  if (!changes.length) {
    output.out(`no changes: ${where} already matches ${filePath}`);
    return 0;
  }
  const writer = new KeycloakWriter(admin, file.realm);
  for (const action of actionsOf(changes)) {
    for (const change of changes.filter((c) => c.action === action)) output.out(change.line);
    await writer.apply(action);
  }
  // Read back: a change Keycloak accepted but did not keep would otherwise pass unnoticed. Passwords cannot be
  // read back, so they are not planned again.
  const check = { resetSecrets: options.resetSecrets };
  const left = planChanges(
    file,
    await readLiveRealm(admin, file, { readSecrets: check.resetSecrets }),
    check,
  );
  output.out(`applied ${count(changes.length, 'change')} to ${where}`);
  if (!left.length) return 0;
  output.err(`still different after apply (Keycloak did not keep these):`);
  for (const change of left) output.err(change.line);
  return 1;
}

/**
 * Has Keycloak generate a new secret for the client and prints it, once, to stdout with where it goes. The old
 * secret stops working at once (unless a client policy keeps rotated secrets valid for a while).
 */
export async function runRotateSecret(
  admin: KcAdminClient,
  realm: string,
  clientId: string,
  output: Output,
): Promise<number> {
  if (!(await admin.realms.findOne({ realm }))) throw new CliError(`realm ${realm} does not exist`);
  const client = (await admin.clients.find({ clientId })).find((c) => c.clientId === clientId);
  if (!client?.id) throw new CliError(`no client ${clientId} in realm ${realm}`);
  if (client.publicClient || client.clientAuthenticatorType !== 'client-secret')
    throw new CliError(`client ${clientId} in realm ${realm} does not authenticate with a client secret`);
  const { value } = await admin.clients.generateNewClientSecret({ id: client.id });
  if (!value) throw new CliError(`Keycloak generated no secret for client ${clientId}`);
  output.out(
    `New secret of client ${clientId} in realm ${realm} (shown only this once; the old one no longer works):`,
  );
  output.out(value);
  output.out(
    `Put it in ${clientId}'s CLIENT_SECRET environment variable (or its entry in your secret store) and restart ${clientId}.`,
  );
  return 0;
}

// The realm admin CLI: `npm run realm -- apply | diff | rotate-secret <client> | add-client <client>` (see USAGE and the README).
import { runAddClient } from './add-client';
import { connectAdmin } from './admin-connection';
import { parseArgs, USAGE } from './args';
import { describeFailure, EXIT_ERROR } from './cli-error';
import { runApply, runDiff, runRotateSecret, type Output } from './commands';
import { readConfig } from './config';
import { loadRealmFile } from './realm-file';
import { loadRealmOverlay, withOverlay } from './realm-overlay';

/** Runs one command line; resolves to the exit code (0 ok, 1 drift, 2 error) and never throws. */
export async function main(argv: string[], env: NodeJS.ProcessEnv, output: Output): Promise<number> {
  let keycloakUrl = env.KEYCLOAK_URL || 'http://localhost:8080';
  try {
    const command = parseArgs(argv);
    if (command.name === 'help') {
      output.out(USAGE);
      return 0;
    }
    const config = readConfig(env);
    keycloakUrl = config.keycloakUrl;
    if (command.name === 'add-client')
      return await runAddClient(await connectAdmin(config, command.realm), command, keycloakUrl, output);
    const filePath = command.file ?? config.realmFile;
    if (command.name === 'rotate-secret') {
      const realm = command.realm ?? loadRealmFile(filePath).realm;
      return await runRotateSecret(await connectAdmin(config, realm), realm, command.clientId, output);
    }
    const plain = loadRealmFile(filePath, command.realm);
    const file = command.overlay ? withOverlay(plain, loadRealmOverlay(command.overlay)) : plain;
    const label = command.overlay ? `${filePath} + ${command.overlay}` : filePath;
    const target = { admin: await connectAdmin(config, file.realm), file, filePath: label, keycloakUrl };
    const options = { resetPasswords: command.resetPasswords, resetSecrets: command.resetSecrets };
    return await (command.name === 'apply' ? runApply : runDiff)(target, options, output);
  } catch (error) {
    output.err(`realm: ${describeFailure(error, keycloakUrl)}`);
    return EXIT_ERROR;
  }
}

if (require.main === module) {
  const output: Output = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
  void main(process.argv.slice(2), process.env, output).then((code) => (process.exitCode = code));
}

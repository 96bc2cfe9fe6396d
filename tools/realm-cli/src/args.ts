import { CliError } from './cli-error';

/** A parsed command line. */
export type Command =
  | {
      name: 'apply' | 'diff';
      realm?: string;
      file?: string;
      overlay?: string;
      resetPasswords: boolean;
      resetSecrets: boolean;
    }
  | { name: 'rotate-secret'; clientId: string; realm?: string; file?: string }
  | { name: 'help' };

/** The help text. */
export const USAGE = `usage: npm run realm -- <command> [options]
  diff                     print what apply would change, one line per difference; exit 0 none, 1 drift
  apply                    make the running realm match the file (idempotent)
  rotate-secret <client>   have Keycloak generate a new secret for <client> and print it once
options:
  --realm <name>           the realm to work on instead of the file's (apply/diff: the file's content under that name)
  --file <path>            the realm file (default $REALM_FILE or realm-export.json)
  --overlay <path>         apply/diff: the file with a realm overlay on top (deploy/realm-kubernetes.json)
  --reset-passwords        apply/diff: also set existing users' passwords to the file's
  --reset-secrets          apply/diff: also compare existing clients' secrets and reset them to the file's
environment: KEYCLOAK_URL, KEYCLOAK_ADMIN_USER, KEYCLOAK_ADMIN_PASSWORD, REALM_FILE`;

/** Parses `argv` (without node and the script); unknown commands or flags are a CliError. */
export function parseArgs(argv: string[]): Command {
  const positional: string[] = [];
  const values: { realm?: string; file?: string; overlay?: string } = {};
  const flags = { resetPasswords: false, resetSecrets: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith('--') ? argv[i].split(/=(.*)/s, 2) : [argv[i]];
    if (flag === '--realm' || flag === '--file' || flag === '--overlay') {
      const value = inline ?? argv[++i];
      if (!value) throw new CliError(`${flag} needs a value`);
      values[flag.slice(2) as 'realm' | 'file' | 'overlay'] = value;
    } else if (flag === '--reset-passwords' && inline === undefined) flags.resetPasswords = true;
    else if (flag === '--reset-secrets' && inline === undefined) flags.resetSecrets = true;
    else if (flag === '--help' || flag === '-h') return { name: 'help' };
    else if (flag.startsWith('-')) throw new CliError(`unknown option ${flag} (see npm run realm -- help)`);
    else positional.push(flag);
  }
  const [name, ...rest] = positional;
  const extra = (allowed: number) => {
    if (rest.length > allowed) throw new CliError(`unexpected argument ${rest[allowed]}`);
  };
  if (name === undefined || name === 'help') return { name: 'help' };
  if (name === 'apply' || name === 'diff') {
    extra(0);
    return { name, ...values, ...flags };
  }
  if (name === 'rotate-secret') {
    if (!rest[0])
      throw new CliError('rotate-secret needs a client id: npm run realm -- rotate-secret <client>');
    extra(1);
    if (flags.resetPasswords || flags.resetSecrets || values.overlay)
      throw new CliError('--reset-passwords, --reset-secrets and --overlay belong to apply and diff');
    return { name, clientId: rest[0], realm: values.realm, file: values.file };
  }
  throw new CliError(`unknown command ${name} (apply, diff, rotate-secret, help)`);
}

import { type AddClientCommand, parseAddClientArgs } from './add-client';
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
  | AddClientCommand
  | { name: 'help' };

/** The help text. */
export const USAGE = `usage: npm run realm -- <command> [options]
  diff                     print what apply would change, one line per difference; exit 0 none, 1 drift
  apply                    make the running realm match the file (idempotent)
  rotate-secret <client>   have Keycloak generate a new secret for <client> and print it once
  add-client <clientId>    register a service of your own (signed-JWT client, no secret); prints the plan, applies it
options:
  --realm <name>           the realm to work on instead of the file's (apply/diff: the file's content under that name)
  --file <path>            the realm file (default $REALM_FILE or realm-export.json)
  --overlay <path>         apply/diff: the file with a realm overlay on top (deploy/realm-kubernetes.json)
  --reset-passwords        apply/diff: also set existing users' passwords to the file's
  --reset-secrets          apply/diff: also compare existing clients' secrets and reset them to the file's
add-client options (--realm and --jwks-url required; list options repeat or take a,b):
  --jwks-url <url>         where Keycloak reads the client's public keys (GET /.well-known/jwks.json)
  --signing-alg <alg>      the algorithm its assertions must have (default ES256)
  --audience-scope <name>  a resource server: the client scope whose audience mapper puts <clientId> in aud
  --route-scope <name>     a scope its routes require, made with "include in token scope" on
  --default-scope <name>   an existing client scope in every token the client gets
  --optional-scope <name>  an existing client scope the client gets when it asks for it (scope=)
  --exchange-to <client>   standard token exchange on, and <client>'s audience scope optional on this client
  --dry-run                print the plan only; exit 0 nothing to do, 1 changes
environment: KEYCLOAK_URL, KEYCLOAK_ADMIN_USER, KEYCLOAK_ADMIN_PASSWORD, REALM_FILE`;

/** Parses `argv` (without node and the script); unknown commands or flags are a CliError. */
export function parseArgs(argv: string[]): Command {
  if (argv.includes('--help') || argv.includes('-h')) return { name: 'help' };
  if (argv[0] === 'add-client') return parseAddClientArgs(argv.slice(1));
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
  throw new CliError(`unknown command ${name} (apply, diff, rotate-secret, add-client, help)`);
}

import type KcAdminClient from '@keycloak/keycloak-admin-client';
import { CliError } from './cli-error';
import type { Output } from './commands';
import { readLiveRealm } from './keycloak-reader';
import { KeycloakWriter } from './keycloak-writer';
import type { LiveRealm } from './live-realm';
import { actionsOf, type Change, planChanges, type ScopeType } from './plan';
import type { ClientScopeSpec, ClientSpec, RealmFile } from './realm-file';

/** The signature algorithms Keycloak may require of a client's assertions (the library's client keys sign ES256). */
export const ASSERTION_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'RS256', 'PS256', 'EdDSA'] as const;

/**
 * `add-client`: one service of your own registered in a realm. The client always authenticates with a JWT it signs
 * (Keycloak reads its public keys from `jwksUrl`) and holds no secret; it has a service account (client
 * credentials) and no browser flows.
 */
export interface AddClientCommand {
  name: 'add-client';
  clientId: string;
  realm: string;
  /** Where Keycloak reads the client's public keys (the library's `GET /.well-known/jwks.json`). */
  jwksUrl: string;
  /** The algorithm Keycloak requires of the client's assertions. Default ES256. */
  signingAlg: (typeof ASSERTION_ALGORITHMS)[number];
  /** A resource server: the client scope (made or updated) whose audience mapper puts `clientId` in `aud`. */
  audienceScope?: string;
  /** Scopes the resource server's routes require: made with "Include in token scope" on. */
  routeScopes: string[];
  /** Existing client scopes given to the client as default (in every token it gets). */
  defaultScopes: string[];
  /** Existing client scopes given to the client as optional (when it asks with `scope`). */
  optionalScopes: string[];
  /**
   * Downstream clients this one may exchange tokens for: standard token exchange on, and each target's audience
   * scope (the client scope whose audience mapper names it) optional on this client.
   */
  exchangeTo: string[];
  /** Print the plan only: exit 0 when nothing would change, 1 otherwise. */
  dryRun: boolean;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

function checkName(what: string, value: string): string {
  if (!NAME.test(value))
    throw new CliError(`${what} "${value}" is not a plain name (letters, digits, . _ : -)`);
  return value;
}

/** Reads `add-client <clientId> …` (argv after the command name); unknown flags and missing values are CliErrors. */
export function parseAddClientArgs(argv: string[]): AddClientCommand {
  const lists = {
    routeScopes: [] as string[],
    defaultScopes: [] as string[],
    optionalScopes: [] as string[],
  };
  const exchangeTo: string[] = [];
  const single: { realm?: string; jwksUrl?: string; signingAlg?: string; audienceScope?: string } = {};
  const positional: string[] = [];
  let dryRun = false;
  const listFlags: Record<string, string[]> = {
    '--route-scope': lists.routeScopes,
    '--default-scope': lists.defaultScopes,
    '--optional-scope': lists.optionalScopes,
    '--exchange-to': exchangeTo,
  };
  const singleFlags: Record<string, keyof typeof single> = {
    '--realm': 'realm',
    '--jwks-url': 'jwksUrl',
    '--signing-alg': 'signingAlg',
    '--audience-scope': 'audienceScope',
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith('--') ? argv[i].split(/=(.*)/s, 2) : [argv[i]];
    if (flag in listFlags || flag in singleFlags) {
      const value = inline ?? argv[++i];
      if (!value || value.startsWith('--')) throw new CliError(`${flag} needs a value`);
      if (flag in singleFlags) {
        const key = singleFlags[flag];
        if (single[key] !== undefined) throw new CliError(`${flag} given twice`);
        single[key] = value;
      } else
        for (const item of value.split(',').filter(Boolean))
          listFlags[flag].push(checkName(flag.slice(2), item));
    } else if (flag === '--dry-run' && inline === undefined) dryRun = true;
    else if (flag.startsWith('-'))
      throw new CliError(`unknown option ${flag} for add-client (see npm run realm -- help)`);
    else positional.push(flag);
  }
  if (positional.length === 0)
    throw new CliError(
      'add-client needs a client id: npm run realm -- add-client <clientId> --realm … --jwks-url …',
    );
  if (positional.length > 1) throw new CliError(`unexpected argument ${positional[1]}`);
  const clientId = checkName('client id', positional[0]);
  if (!single.realm)
    throw new CliError('add-client needs --realm <name> (the realm the client is registered in)');
  if (!single.jwksUrl)
    throw new CliError(
      'add-client needs --jwks-url <url>: the client signs its own JWTs and Keycloak reads its public keys there (no secret)',
    );
  let protocol: string;
  try {
    protocol = new URL(single.jwksUrl).protocol;
  } catch {
    throw new CliError(`--jwks-url is not a URL: ${single.jwksUrl}`);
  }
  if (protocol !== 'http:' && protocol !== 'https:')
    throw new CliError(`--jwks-url must be http or https, got ${single.jwksUrl}`);
  const signingAlg = (single.signingAlg ?? 'ES256') as AddClientCommand['signingAlg'];
  if (!ASSERTION_ALGORITHMS.includes(signingAlg))
    throw new CliError(`--signing-alg must be one of ${ASSERTION_ALGORITHMS.join(', ')}, got ${signingAlg}`);
  const twice = lists.defaultScopes.find((s) => lists.optionalScopes.includes(s));
  if (twice) throw new CliError(`client scope ${twice} cannot be both --default-scope and --optional-scope`);
  if (exchangeTo.includes(clientId))
    throw new CliError(`--exchange-to names the client itself (${clientId})`);
  return {
    name: 'add-client',
    clientId,
    realm: checkName('realm', single.realm),
    jwksUrl: single.jwksUrl,
    signingAlg,
    audienceScope: single.audienceScope && checkName('audience-scope', single.audienceScope),
    ...lists,
    exchangeTo,
    dryRun,
  };
}

/** The audience client scope of `clientId`: include.in.token.scope off, one audience mapper naming it. */
export function audienceScopeSpec(name: string, clientId: string): ClientScopeSpec {
  return {
    name,
    protocol: 'openid-connect',
    attributes: { 'include.in.token.scope': 'false' },
    protocolMappers: [
      {
        name: `audience ${clientId}`,
        protocol: 'openid-connect',
        protocolMapper: 'oidc-audience-mapper',
        config: {
          'included.client.audience': clientId,
          'access.token.claim': 'true',
          'introspection.token.claim': 'true',
        },
      },
    ],
  };
}

/** The client as `add-client` makes it: the keys it states are compared, all others left as they are. */
export function clientSpecOf(command: AddClientCommand): ClientSpec {
  return {
    clientId: command.clientId,
    protocol: 'openid-connect',
    enabled: true,
    publicClient: false,
    bearerOnly: false,
    clientAuthenticatorType: 'client-jwt',
    serviceAccountsEnabled: true,
    standardFlowEnabled: false,
    implicitFlowEnabled: false,
    directAccessGrantsEnabled: false,
    attributes: {
      'use.jwks.url': 'true',
      'jwks.url': command.jwksUrl,
      'token.endpoint.auth.signing.alg': command.signingAlg,
      ...(command.exchangeTo.length ? { 'standard.token.exchange.enabled': 'true' } : {}),
    },
  };
}

interface ScopeWithMappers {
  name: string;
  protocolMappers?: { protocolMapper?: string; config?: Record<string, string> }[];
}

/** The client scopes that put `target` in `aud`: an audience mapper naming it, in the realm or about to be made. */
function audienceScopesOf(target: string, scopes: ScopeWithMappers[]): string[] {
  return scopes
    .filter((scope) =>
      (scope.protocolMappers ?? []).some(
        (m) =>
          m.protocolMapper === 'oidc-audience-mapper' && m.config?.['included.client.audience'] === target,
      ),
    )
    .map((scope) => scope.name);
}

/**
 * What `add-client` would change, as the plan lines `diff` prints and the actions `apply` runs. It only adds and
 * sets: nothing the command does not name is removed (other mappers, scopes or attributes of the client stay).
 */
export function planAddClient(command: AddClientCommand, live: LiveRealm | null): Change[] {
  if (!live) throw new CliError(`realm ${command.realm} does not exist (create it first)`);
  const { clientId } = command;
  const madeScopes: ClientScopeSpec[] = [
    ...(command.audienceScope ? [audienceScopeSpec(command.audienceScope, clientId)] : []),
    ...command.routeScopes.map((name) => ({
      name,
      protocol: 'openid-connect',
      attributes: { 'include.in.token.scope': 'true' },
    })),
  ];
  const known: ScopeWithMappers[] = [
    ...live.clientScopes.map((s) => ({ name: s.name, protocolMappers: s.protocolMappers })),
    ...madeScopes,
  ];
  const want: { scope: string; type: ScopeType }[] = [
    ...command.defaultScopes.map((scope) => ({ scope, type: 'default' as const })),
    ...command.optionalScopes.map((scope) => ({ scope, type: 'optional' as const })),
  ];
  for (const { scope } of want)
    if (!known.some((s) => s.name === scope))
      throw new CliError(
        `client scope ${scope} does not exist in realm ${command.realm}: its resource server's add-client makes it (--audience-scope or --route-scope)`,
      );
  for (const target of command.exchangeTo) {
    const scopes = audienceScopesOf(target, known);
    if (scopes.length === 0)
      throw new CliError(
        `no client scope of realm ${command.realm} puts ${target} in aud: register it first (npm run realm -- add-client ${target} … --audience-scope ${target}-audience)`,
      );
    if (scopes.length > 1)
      throw new CliError(`several client scopes put ${target} in aud (${scopes.join(', ')}): keep one`);
    if (!want.some((w) => w.scope === scopes[0])) want.push({ scope: scopes[0], type: 'optional' });
  }

  const fragment: RealmFile = {
    realm: command.realm,
    clientScopes: madeScopes,
    clients: [clientSpecOf(command)],
  };
  const changes = planChanges(fragment, live)
    // Only adds and sets: a mapper of the audience scope that add-client did not make is left alone.
    .filter((change) => change.action.kind !== 'deleteMapper')
    .map((change) =>
      change.action.kind === 'createClient'
        ? {
            ...change,
            line: `+ client ${clientId} (signed JWT ${command.signingAlg}, keys from ${command.jwksUrl}; service account; no secret)`,
          }
        : change,
    );

  // The client's scopes, added to what it has. A new client starts with the realm's default scopes.
  const client = live.clients[clientId];
  const have: Record<ScopeType, string[]> = client
    ? { default: client.defaultClientScopes, optional: client.optionalClientScopes }
    : { default: live.defaultDefaultClientScopes, optional: live.defaultOptionalClientScopes };
  for (const { scope, type } of want) {
    if (have[type].includes(scope)) continue;
    const other: ScopeType = type === 'default' ? 'optional' : 'default';
    if (have[other].includes(scope))
      changes.push({
        line: `~ client ${clientId}: client scope ${scope} ${other} → ${type}`,
        action: { kind: 'clientScope', clientId, scope, type: other, add: false },
      });
    changes.push({
      line: `+ client ${clientId}: ${type} client scope ${scope}`,
      action: { kind: 'clientScope', clientId, scope, type, add: true },
    });
  }
  return changes;
}

/** The realm as far as `add-client` reads it: the realm's scopes and the one client. */
const fragmentOf = (command: AddClientCommand): RealmFile => ({
  realm: command.realm,
  clients: [{ clientId: command.clientId }],
});

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/**
 * Prints the plan, then (unless `dryRun`) carries it out and reads the realm back. Exit 0 when the realm ends as
 * asked (or, with `dryRun`, already is), 1 when something is left (or, with `dryRun`, would change).
 */
export async function runAddClient(
  admin: KcAdminClient,
  command: AddClientCommand,
  keycloakUrl: string,
  output: Output,
): Promise<number> {
  const where = `realm ${command.realm} at ${keycloakUrl}`;
  const plan = async () => planAddClient(command, await readLiveRealm(admin, fragmentOf(command)));
  const changes = await plan();
  if (!changes.length) {
    output.out(`no changes: client ${command.clientId} in ${where} is already as asked`);
    return 0;
  }
  if (command.dryRun) {
    for (const change of changes) output.out(change.line);
    output.out(`${count(changes.length, 'change')} to make in ${where} (run it without --dry-run to apply)`);
    return 1;
  }
  const writer = new KeycloakWriter(admin, command.realm);
  for (const action of actionsOf(changes)) {
    for (const change of changes.filter((c) => c.action === action)) output.out(change.line);
    await writer.apply(action);
  }
  const left = await plan();
  output.out(`applied ${count(changes.length, 'change')} to ${where}`);
  if (!left.length) return 0;
  output.err('still different after apply (Keycloak did not keep these):');
  for (const change of left) output.err(change.line);
  return 1;
}

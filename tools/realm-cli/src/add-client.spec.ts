import {
  type AddClientCommand,
  audienceScopeSpec,
  clientSpecOf,
  parseAddClientArgs,
  planAddClient,
} from './add-client';
import { parseArgs } from './args';
import { CliError } from './cli-error';
import type { LiveClient, LiveRealm } from './live-realm';

const JWKS = 'http://localhost:3000/.well-known/jwks.json';

/** A realm as Keycloak creates it, with `scopes` added and the clients given. */
function realm(scopes: LiveRealm['clientScopes'] = [], clients: LiveRealm['clients'] = {}): LiveRealm {
  return {
    settings: { realm: 'shop' },
    defaultDefaultClientScopes: ['basic', 'profile', 'email', 'roles', 'web-origins', 'acr'],
    defaultOptionalClientScopes: ['offline_access', 'address', 'phone'],
    clientScopes: [
      ...[
        'basic',
        'profile',
        'email',
        'roles',
        'web-origins',
        'acr',
        'offline_access',
        'address',
        'phone',
      ].map((name) => ({ name, fields: { protocol: 'openid-connect' }, protocolMappers: [] })),
      ...scopes,
    ],
    realmRoles: [],
    clients,
    users: {},
    serviceAccounts: {},
    identityProviders: {},
  };
}

/** A client scope as Keycloak holds it after add-client made it (Keycloak adds keys of its own). */
function liveScope(
  spec: ReturnType<typeof audienceScopeSpec> | { name: string; attributes: Record<string, string> },
) {
  return {
    name: spec.name,
    fields: { ...spec, protocol: 'openid-connect', attributes: { ...spec.attributes, 'gui.order': '' } },
    protocolMappers: ('protocolMappers' in spec ? spec.protocolMappers! : []).map((m) => ({
      ...m,
      config: { ...m.config, 'userinfo.token.claim': 'false' },
    })),
  };
}

function liveClient(command: AddClientCommand, scopes: Partial<LiveClient> = {}): LiveClient {
  const spec = clientSpecOf(command);
  return {
    fields: { ...spec, attributes: { ...spec.attributes, 'client.secret.creation.time': '1' }, rootUrl: '' },
    defaultClientScopes: ['basic', 'profile', 'email', 'roles', 'web-origins', 'acr'],
    optionalClientScopes: ['offline_access', 'address', 'phone'],
    roles: [],
    ...scopes,
  };
}

const args = (line: string) => line.split(' ').filter(Boolean);

describe('add-client arguments', () => {
  it('reads the client, its realm and keys, repeated and comma-separated lists', () => {
    const command = parseArgs(
      args(
        `add-client billing-worker --realm shop --jwks-url ${JWKS} --default-scope invoices-api-audience --optional-scope a,b --optional-scope=c --dry-run`,
      ),
    );
    expect(command).toEqual({
      name: 'add-client',
      clientId: 'billing-worker',
      realm: 'shop',
      jwksUrl: JWKS,
      signingAlg: 'ES256',
      audienceScope: undefined,
      routeScopes: [],
      defaultScopes: ['invoices-api-audience'],
      optionalScopes: ['a', 'b', 'c'],
      exchangeTo: [],
      dryRun: true,
    });
  });

  it.each([
    ['add-client', /needs a client id/],
    ['add-client x --jwks-url http://k/jwks', /needs --realm/],
    ['add-client x --realm shop', /needs --jwks-url/],
    ['add-client x --realm shop --jwks-url ftp://k/jwks', /must be http or https/],
    ['add-client x --realm shop --jwks-url nope', /is not a URL/],
    ['add-client x --realm shop --jwks-url http://k/j --signing-alg HS256', /--signing-alg must be one of/],
    ['add-client x --realm shop --jwks-url http://k/j --default-scope a --optional-scope a', /both/],
    ['add-client x --realm shop --jwks-url http://k/j --exchange-to x', /the client itself/],
    ['add-client x --realm shop --jwks-url http://k/j --secret s', /unknown option --secret/],
    ['add-client x --realm shop --realm other --jwks-url http://k/j', /--realm given twice/],
    ['add-client x --realm --jwks-url http://k/j', /--realm needs a value/],
    ['add-client x y --realm shop --jwks-url http://k/j', /unexpected argument y/],
    ['add-client x/y --realm shop --jwks-url http://k/j', /not a plain name/],
  ])('refuses %s', (line, message) => {
    expect(() => parseArgs(args(line))).toThrow(CliError);
    expect(() => parseArgs(args(line))).toThrow(message);
  });
});

describe('planAddClient', () => {
  const resourceServer = parseAddClientArgs(
    args(
      `invoices-api --realm shop --jwks-url ${JWKS} --audience-scope invoices-api-audience --route-scope invoices.read`,
    ),
  );
  const caller = parseAddClientArgs(
    args(
      `billing-worker --realm shop --jwks-url ${JWKS} --optional-scope invoices-api-audience,invoices.read`,
    ),
  );
  const made = [
    liveScope(audienceScopeSpec('invoices-api-audience', 'invoices-api')),
    liveScope({ name: 'invoices.read', attributes: { 'include.in.token.scope': 'true' } }),
  ];

  it('in a fresh realm: the audience scope with its mapper, the route scope and the signed-JWT client', () => {
    const changes = planAddClient(resourceServer, realm());
    expect(changes.map((c) => c.line)).toEqual([
      '+ client scope invoices-api-audience',
      '+ client scope invoices.read',
      `+ client invoices-api (signed JWT ES256, keys from ${JWKS}; service account; no secret)`,
    ]);
    const scope = changes[0].action;
    expect(scope).toMatchObject({
      kind: 'createClientScope',
      scope: {
        attributes: { 'include.in.token.scope': 'false' },
        protocolMappers: [
          {
            protocolMapper: 'oidc-audience-mapper',
            config: {
              'included.client.audience': 'invoices-api',
              'access.token.claim': 'true',
              'introspection.token.claim': 'true',
            },
          },
        ],
      },
    });
    expect(changes[2].action).toMatchObject({
      kind: 'createClient',
      client: {
        clientAuthenticatorType: 'client-jwt',
        publicClient: false,
        serviceAccountsEnabled: true,
        standardFlowEnabled: false,
        directAccessGrantsEnabled: false,
        attributes: { 'use.jwks.url': 'true', 'jwks.url': JWKS, 'token.endpoint.auth.signing.alg': 'ES256' },
      },
    });
    expect(JSON.stringify(changes.map((c) => c.action))).not.toContain('secret"');
  });

  it('is idempotent: the realm as Keycloak keeps it after a run plans nothing', () => {
    const live = realm(made, { 'invoices-api': liveClient(resourceServer) });
    expect(planAddClient(resourceServer, live)).toEqual([]);
  });

  it('the caller gets the scopes it names as optional, added to those Keycloak gave it', () => {
    const changes = planAddClient(caller, realm(made));
    expect(changes.map((c) => c.line)).toEqual([
      `+ client billing-worker (signed JWT ES256, keys from ${JWKS}; service account; no secret)`,
      '+ client billing-worker: optional client scope invoices-api-audience',
      '+ client billing-worker: optional client scope invoices.read',
    ]);
    const live = realm(made, {
      'billing-worker': liveClient(caller, {
        optionalClientScopes: ['offline_access', 'invoices-api-audience', 'invoices.read'],
      }),
    });
    expect(planAddClient(caller, live)).toEqual([]);
  });

  it('moves a scope the client holds as default to optional, and resets drifted fields; removes nothing else', () => {
    const drifted = liveClient(caller, { defaultClientScopes: ['basic', 'invoices-api-audience'] });
    drifted.fields = {
      ...drifted.fields,
      clientAuthenticatorType: 'client-secret',
      attributes: {
        'jwks.url': 'http://old/jwks',
        'use.jwks.url': 'true',
        'token.endpoint.auth.signing.alg': 'ES256',
      },
    };
    const changes = planAddClient(caller, realm(made, { 'billing-worker': drifted }));
    expect(changes.map((c) => c.line)).toEqual([
      '~ client billing-worker: clientAuthenticatorType "client-secret" → "client-jwt"',
      `~ client billing-worker: attributes.jwks.url "http://old/jwks" → "${JWKS}"`,
      '~ client billing-worker: client scope invoices-api-audience default → optional',
      '+ client billing-worker: optional client scope invoices-api-audience',
      '+ client billing-worker: optional client scope invoices.read',
    ]);
    expect(changes.some((c) => c.line.startsWith('- '))).toBe(false);
  });

  it('an extra mapper on the audience scope is left alone (add-client only adds and sets)', () => {
    const [audience, route] = made;
    const extra = {
      ...audience,
      protocolMappers: [...audience.protocolMappers, { name: 'other', config: {} }],
    };
    const live = realm([extra, route], { 'invoices-api': liveClient(resourceServer) });
    expect(planAddClient(resourceServer, live)).toEqual([]);
  });

  it('--exchange-to turns standard token exchange on and makes the target audience scope optional', () => {
    const ledger = liveScope(audienceScopeSpec('ledger-api-audience', 'ledger-api'));
    const exchanging = { ...resourceServer, exchangeTo: ['ledger-api'] };
    const live = realm([...made, ledger], { 'invoices-api': liveClient(resourceServer) });
    const changes = planAddClient(exchanging, live);
    expect(changes.map((c) => c.line)).toEqual([
      '+ client invoices-api: attributes.standard.token.exchange.enabled = "true"',
      '+ client invoices-api: optional client scope ledger-api-audience',
    ]);
  });

  it('refuses a missing realm, a scope nobody made and an exchange target without audience scope', () => {
    expect(() => planAddClient(caller, null)).toThrow('realm shop does not exist');
    expect(() => planAddClient(caller, realm())).toThrow(
      /client scope invoices-api-audience does not exist in realm shop/,
    );
    expect(() => planAddClient({ ...resourceServer, exchangeTo: ['ledger-api'] }, realm())).toThrow(
      /no client scope of realm shop puts ledger-api in aud/,
    );
  });
});

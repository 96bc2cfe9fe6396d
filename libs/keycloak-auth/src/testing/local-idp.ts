import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { AddressInfo } from 'node:net';
import {
  compactVerify,
  createLocalJWKSet,
  decodeJwt,
  exportJWK,
  generateKeyPair,
  JWK,
  CryptoKey,
  SignJWT,
} from 'jose';
import { Clock } from '../core/clock';
import { KeycloakAuthOptions, ResolvedKeycloakAuthOptions } from '../config/keycloak-auth.options';
import { resolveKeycloakAuthOptions } from '../config/resolve-options';

/** The endpoints of the realm a test can watch and steer. */
export type Endpoint = 'jwks' | 'token' | 'introspect';

/** What an endpoint does with a request: answer it, reset the connection, or never answer. */
export type Behaviour = 'answer' | 'reset' | 'hang';

/** One answer: status, JSON body (a string is sent as is, as HTML) and extra headers. */
export interface AnswerValue {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** A canned answer of one endpoint, or a function of the form. */
export type Answer = AnswerValue | ((form: URLSearchParams) => AnswerValue | Promise<AnswerValue>);

/** A realm signing key: the private half signs, the public JWK is what the JWKS publishes. */
export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

/** How {@link LocalIdp.issue} signs a token. */
export interface IssueOptions {
  /** Issue time in ms (default: now on the wall clock). */
  now?: number;
  /** Lifetime in seconds (default 300, Keycloak's default access token lifespan). */
  lifetimeSec?: number;
  /** The key that signs: a published kid, or a key of its own (default: the realm's first key). */
  key?: SigningKey | string;
  /** The `kid` header, when it should differ from the signing key's. */
  kid?: string;
}

/** How {@link LocalIdp.start} sets up a realm. */
export interface LocalIdpOptions {
  /** Realm name (default `local-idp`). */
  realm?: string;
  /**
   * Claims every {@link LocalIdp.issue}d token carries unless the call overrides them, on top of
   * {@link LOCAL_IDP_DEFAULT_CLAIMS} (a claim set to undefined is left out): your service's audience, your caller.
   */
  claims?: Record<string, unknown>;
  /** Module options {@link LocalIdp.moduleOptions} starts from, on top of {@link LOCAL_IDP_DEFAULT_MODULE_OPTIONS}. */
  moduleOptions?: Partial<KeycloakAuthOptions>;
  /** A signing key of this realm's own with this kid, instead of the `key-1` every default realm of a file shares. */
  kid?: string;
  /** Serve HTTPS with this key and certificate (PEM) instead of plain HTTP. */
  tls?: { key: string; cert: string };
}

/**
 * The claims of a default token (besides `iss`, `typ`, `jti`, `iat` and `exp`): client `my-client` calling the
 * service `my-service` for `user-1`, with Keycloak's `profile` scope and no roles. Neutral names: give yours with
 * the `claims` option of {@link LocalIdp.start} or per token.
 */
export const LOCAL_IDP_DEFAULT_CLAIMS: Readonly<Record<string, unknown>> = Object.freeze({
  aud: 'my-service',
  azp: 'my-client',
  sub: 'user-1',
  scope: 'profile',
  preferred_username: 'user-1',
});

/** The module options {@link LocalIdp.moduleOptions} starts from (besides `url` and `realm`): the service `my-service`. */
export const LOCAL_IDP_DEFAULT_MODULE_OPTIONS: Readonly<Partial<KeycloakAuthOptions>> = Object.freeze({
  clientId: 'my-service',
  clientAuth: { method: 'client_secret_basic', secret: 'my-service-secret' },
  mode: 'jwt',
  audience: 'my-service',
} satisfies Partial<KeycloakAuthOptions>);

let realmKey: Promise<SigningKey> | undefined;

/**
 * A stand-in for a Keycloak realm on loopback for unit tests: real RSA keys, a real JWKS endpoint, and token /
 * introspection endpoints whose answers a test sets. Tokens are signed with real crypto (jose).
 */
export class LocalIdp {
  /** Requests received per endpoint, counted whether or not they were answered. */
  readonly requests: Record<Endpoint, number> = { jwks: 0, token: 0, introspect: 0 };
  /** Form bodies received by the token and introspection endpoints, in order. */
  readonly forms: { token: URLSearchParams[]; introspect: URLSearchParams[] } = { token: [], introspect: [] };
  /** `Authorization` headers received by the token and introspection endpoints, in order. */
  readonly authorizations: string[] = [];
  /** `Content-Type` headers received by the token and introspection endpoints, in order. */
  readonly contentTypes: string[] = [];
  /** `DPoP` proof headers received by the token and introspection endpoints, in order ('' for none). */
  readonly dpopProofs: string[] = [];
  /** TCP connections accepted (a keep-alive client reuses one). */
  connections = 0;
  /** What each endpoint does with its next requests. */
  readonly behaviour: Record<Endpoint, Behaviour> = { jwks: 'answer', token: 'answer', introspect: 'answer' };
  tokenAnswer: Answer = {
    status: 200,
    body: { access_token: 'issued-token', token_type: 'Bearer', expires_in: 300 },
  };
  introspectAnswer: Answer = { status: 200, body: { active: false } };
  /** Overrides the JWKS answer (e.g. a 503); by default the published keys. A string body is sent as is. */
  jwksAnswer?: Answer;
  private readonly keys: SigningKey[] = [];
  private server!: Server;
  url = '';

  private constructor(
    readonly realm: string,
    private readonly tls: { key: string; cert: string } | undefined,
    /** The claims of a default token (see {@link issue}). */
    readonly defaultClaims: Readonly<Record<string, unknown>>,
    private readonly baseModuleOptions: Partial<KeycloakAuthOptions>,
  ) {}

  /**
   * A realm (`local-idp` unless `realm` is given) with one RS256 key (`key-1` unless `kid` is given), listening on
   * 127.0.0.1 on a free port; its default tokens and module options are `claims` and `moduleOptions` over the
   * neutral defaults.
   */
  static async start(options: LocalIdpOptions = {}): Promise<LocalIdp> {
    const idp = new LocalIdp(
      options.realm ?? 'local-idp',
      options.tls,
      Object.freeze({ ...LOCAL_IDP_DEFAULT_CLAIMS, ...options.claims }),
      { ...LOCAL_IDP_DEFAULT_MODULE_OPTIONS, ...options.moduleOptions },
    );
    // RSA key generation costs ~100 ms: every default realm of a test file shares its first key.
    if (options.kid) idp.keys.push(await LocalIdp.newKey(options.kid));
    else idp.keys.push(await (realmKey ??= LocalIdp.newKey('key-1')));
    await idp.listen();
    return idp;
  }

  /** The principal fields a default token of {@link issue} turns into, in either validation mode. */
  defaultPrincipal() {
    const claims = this.defaultClaims as {
      sub?: string;
      preferred_username?: string;
      azp?: string;
      aud?: string | string[];
      scope?: string;
      realm_access?: { roles?: string[] };
      resource_access?: Record<string, { roles?: string[] }>;
    };
    return {
      subject: claims.sub,
      username: claims.preferred_username,
      clientId: claims.azp,
      audience: claims.aud === undefined ? [] : [claims.aud].flat(),
      scopes: (claims.scope ?? '').split(' ').filter(Boolean),
      realmRoles: claims.realm_access?.roles ?? [],
      clientRoles: Object.fromEntries(
        Object.entries(claims.resource_access ?? {}).map(([client, access]) => [client, access.roles ?? []]),
      ),
      issuer: this.issuer,
    };
  }

  /** The `iss` of the realm's tokens. */
  get issuer(): string {
    return `${this.url}/realms/${this.realm}`;
  }

  /** Resolved options for the library pointing at this realm ({@link moduleOptions} with `overrides`). */
  options(overrides: Partial<KeycloakAuthOptions> = {}): ResolvedKeycloakAuthOptions {
    return resolveKeycloakAuthOptions({ ...this.moduleOptions(), ...overrides });
  }

  /**
   * The KeycloakAuthModule options of a service that trusts this realm: `my-service` in jwt mode unless the
   * realm's `moduleOptions` say otherwise, with `overrides`.
   */
  moduleOptions(overrides: Partial<KeycloakAuthOptions> = {}): KeycloakAuthOptions {
    return {
      ...this.baseModuleOptions,
      url: this.url,
      realm: this.realm,
      ...overrides,
    } as KeycloakAuthOptions;
  }

  /** Adds a signing key to the JWKS (rotation) and returns its kid. */
  async addKey(kid: string): Promise<string> {
    this.keys.push(await LocalIdp.newKey(kid));
    return kid;
  }

  /** A key the JWKS never publishes. */
  static async newKey(kid: string): Promise<SigningKey> {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
  }

  /** The published public JWK of `kid` (default: the realm's first key). */
  publicJwk(kid = this.keys[0].kid): JWK {
    return this.key(kid).jwk;
  }

  /**
   * Signs an access token shaped like Keycloak's: header `alg`, `typ` and `kid`; claims `iss`, `typ: "Bearer"`,
   * `jti`, `iat`, `exp` and the realm's default claims ({@link LOCAL_IDP_DEFAULT_CLAIMS}: `my-client` calling
   * `my-service` for `user-1`, unless `start`'s `claims` say otherwise). `claims` override them; a claim set to
   * undefined is left out.
   */
  async issue(claims: Record<string, unknown> = {}, opts: IssueOptions = {}): Promise<string> {
    const iat = Math.floor((opts.now ?? Date.now()) / 1000);
    const payload: Record<string, unknown> = {
      iss: this.issuer,
      typ: 'Bearer',
      ...this.defaultClaims,
      jti: `jti-${Math.random().toString(36).slice(2)}`,
      iat,
      exp: iat + (opts.lifetimeSec ?? 300),
      ...claims,
    };
    for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
    const key = typeof opts.key === 'object' ? opts.key : this.key(opts.key ?? this.keys[0].kid);
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: opts.kid ?? key.kid })
      .sign(key.privateKey);
  }

  /** True when one of this realm's published keys signed `token` (what a real Keycloak checks first). */
  async signedHere(token: string): Promise<boolean> {
    try {
      await compactVerify(token, createLocalJWKSet({ keys: this.keys.map((k) => k.jwk) }));
      return true;
    } catch {
      return false;
    }
  }

  /** Keycloak's RFC 7662 answer for an active token: its claims plus `active` and `client_id`. */
  static activeAnswer(token: string): AnswerValue & { body: Record<string, unknown> } {
    const claims = decodeJwt(token);
    return { status: 200, body: { ...claims, active: true, client_id: claims.azp } };
  }

  /** The realm's first signing key (to forge tokens of another realm with it). */
  get signingKey(): SigningKey {
    return this.keys[0];
  }

  /** Serves again on the same port after {@link stop} (Keycloak coming back). */
  async restart(): Promise<void> {
    await this.listen(Number(new URL(this.url).port));
  }

  /** Closes the server and every open connection (hanging ones too); later connections are refused. */
  async stop(): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private key(kid: string): SigningKey {
    const key = this.keys.find((k) => k.kid === kid);
    if (!key) throw new Error(`no realm key ${kid}`);
    return key;
  }

  private async listen(port = 0): Promise<void> {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    this.server = this.tls ? createHttpsServer(this.tls, handler) : createServer(handler);
    this.server.on('connection', () => this.connections++);
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    const scheme = this.tls ? 'https' : 'http';
    this.url = `${scheme}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString());
    const path = req.url ?? '';
    const endpoint: Endpoint | undefined = path.endsWith('/protocol/openid-connect/certs')
      ? 'jwks'
      : path.endsWith('/protocol/openid-connect/token/introspect')
        ? 'introspect'
        : path.endsWith('/protocol/openid-connect/token')
          ? 'token'
          : undefined;
    if (!endpoint || !path.startsWith(`/realms/${this.realm}/`)) {
      res.writeHead(404).end();
      return;
    }
    this.requests[endpoint]++;
    if (endpoint !== 'jwks') {
      this.forms[endpoint].push(form);
      this.authorizations.push(req.headers.authorization ?? '');
      this.contentTypes.push(req.headers['content-type'] ?? '');
      this.dpopProofs.push(typeof req.headers.dpop === 'string' ? req.headers.dpop : '');
    }
    if (this.behaviour[endpoint] === 'reset') return void req.socket.destroy();
    if (this.behaviour[endpoint] === 'hang') return; // closed by stop()
    const answer =
      endpoint === 'jwks'
        ? (this.jwksAnswer ?? { status: 200, body: { keys: this.keys.map((k) => k.jwk) } })
        : endpoint === 'token'
          ? this.tokenAnswer
          : this.introspectAnswer;
    const { status, body, headers = {} } = typeof answer === 'function' ? await answer(form) : answer;
    if (typeof body === 'string')
      res.writeHead(status, { 'content-type': 'text/html', ...headers }).end(body);
    else res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  }
}

/** A clock tests move by hand. */
export class TestClock implements Clock {
  constructor(public value = Date.now()) {}
  now(): number {
    return this.value;
  }
  advance(ms: number): void {
    this.value += ms;
  }
}

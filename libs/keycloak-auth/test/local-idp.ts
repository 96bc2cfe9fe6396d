import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, JWK, KeyLike, SignJWT } from 'jose';
import { Clock } from '../src/clock';
import { resolveKeycloakAuthOptions, ResolvedKeycloakAuthOptions } from '../src/keycloak-auth.options';

/** A canned answer of one endpoint: status and JSON body, or a function of the form fields. */
export type Answer =
  { status: number; body: unknown } | ((form: URLSearchParams) => { status: number; body: unknown });

interface SigningKey {
  kid: string;
  privateKey: KeyLike;
  jwk: JWK;
}

/**
 * A stand-in for a Keycloak realm on loopback for unit tests: real RSA keys, a real JWKS endpoint, and token /
 * introspection endpoints whose answers a test sets. Tokens are signed with real crypto (jose).
 */
export class LocalIdp {
  readonly requests = { jwks: 0, token: 0, introspect: 0 };
  readonly forms: { token: URLSearchParams[]; introspect: URLSearchParams[] } = { token: [], introspect: [] };
  readonly authorizations: string[] = [];
  tokenAnswer: Answer = { status: 200, body: { access_token: 'issued-token', expires_in: 300 } };
  introspectAnswer: Answer = { status: 200, body: { active: false } };
  private keys: SigningKey[] = [];
  private server!: Server;
  url = '';

  static async start(): Promise<LocalIdp> {
    const idp = new LocalIdp();
    await idp.addKey('key-1');
    await idp.listen();
    return idp;
  }

  get issuer(): string {
    return `${this.url}/realms/s2s`;
  }

  /** Options for the library pointing at this realm. */
  options(overrides: Record<string, unknown> = {}): ResolvedKeycloakAuthOptions {
    return resolveKeycloakAuthOptions({
      url: this.url,
      realm: 's2s',
      clientId: 'service-b',
      clientSecret: 'b-secret',
      mode: 'jwt',
      audience: 'service-b',
      ...overrides,
    });
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

  /** The published public JWK of `kid`. */
  publicJwk(kid = 'key-1'): JWK {
    return this.keys.find((k) => k.kid === kid)!.jwk;
  }

  /** Claims of a Keycloak-shaped access token for service-b issued by service-a, valid for 5 minutes at `now`. */
  claims(now: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const iat = Math.floor(now / 1000);
    return {
      iss: this.issuer,
      aud: 'service-b',
      azp: 'service-a',
      sub: 'user-1',
      typ: 'Bearer',
      scope: 'orders.read profile',
      preferred_username: 'alice',
      realm_access: { roles: ['orders-user'] },
      resource_access: { 'service-b': { roles: ['admin'] } },
      jti: `jti-${Math.random()}`,
      iat,
      exp: iat + 300,
      ...overrides,
    };
  }

  /** Signs `claims` with a published key (or `key`), as Keycloak would. */
  async sign(
    claims: Record<string, unknown>,
    key: SigningKey | string = 'key-1',
    kid?: string,
  ): Promise<string> {
    const k = typeof key === 'string' ? this.keys.find((x) => x.kid === key)! : key;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: kid ?? k.kid })
      .sign(k.privateKey);
  }

  /** Serves again on the same port after {@link stop} (Keycloak coming back). */
  async restart(): Promise<void> {
    await this.listen(Number(new URL(this.url).port));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async listen(port = 0): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString());
    const send = (answer: Answer) => {
      const { status, body } = typeof answer === 'function' ? answer(form) : answer;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const path = req.url ?? '';
    if (path.endsWith('/certs')) {
      this.requests.jwks++;
      return send({ status: 200, body: { keys: this.keys.map((k) => k.jwk) } });
    }
    this.authorizations.push(req.headers.authorization ?? '');
    if (path.endsWith('/token/introspect')) {
      this.requests.introspect++;
      this.forms.introspect.push(form);
      return send(this.introspectAnswer);
    }
    if (path.endsWith('/token')) {
      this.requests.token++;
      this.forms.token.push(form);
      return send(this.tokenAnswer);
    }
    res.writeHead(404).end();
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

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejectionOf(
  promise: Promise<unknown>,
): Promise<Error & { code?: string; getStatus?: () => number }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string; getStatus?: () => number };
  }
  throw new Error('expected a rejection, got a value');
}

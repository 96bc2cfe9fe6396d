import type { Clock } from '../core/clock';
import { ERROR_ANSWERS } from '../core/error-codes';
import { Controller, Get, INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AllowedCallers } from '../nest/allowed-callers.decorator';
import { Public } from '../nest/public.decorator';
import { RequireScopes } from '../nest/require-scopes.decorator';
import { Roles } from '../nest/roles.decorator';
import { InvalidTokenError, KEYCLOAK_AUTH_ERROR_CODES } from '../core/errors';
import { TokenExchangeService } from '../client/token-exchange.service';
import { KeycloakOAuthClient } from '../client/keycloak-oauth.client';
import { TOKEN_VERIFIER } from '../core/constants';
import { KeycloakAuthModule } from '../nest/keycloak-auth.module';
import { KeycloakAuthOptions, ResolvedKeycloakAuthOptions } from '../config/keycloak-auth.options';
import { IntrospectionTokenVerifier } from '../verification/introspection-token.verifier';
import { JwtTokenVerifier } from '../verification/jwt-token.verifier';
import { ClientCredentialsTokenProvider } from '../client/client-credentials-token.provider';
import { LocalIdp, TestClock } from '../testing/local-idp';
import { rejectionOf } from '../../../../test/support/rejection';
import { listenOnLoopback } from '../../../../test/support/loopback-app';
import {
  AuthOutcome,
  CacheName,
  IdpCallOutcome,
  IdpEndpoint,
  KeycloakAuthObserver,
} from './keycloak-auth.observer';
import { startS2sIdp } from '../../../../test/support/s2s-idp';

/** The jwt-mode verifier of `options`' home realm. */
const jwtVerifier = (options: ResolvedKeycloakAuthOptions, clock: Clock) =>
  new JwtTokenVerifier(options.home, options, clock);

/** Keeps every event, in order. */
class RecordingObserver implements KeycloakAuthObserver {
  readonly auth: { mode: string; outcome: AuthOutcome }[] = [];
  readonly calls: { endpoint: IdpEndpoint; outcome: IdpCallOutcome; durationMs: number }[] = [];
  readonly lookups: { cache: CacheName; result: 'hit' | 'miss' }[] = [];

  authenticated(event: { mode: string; outcome: AuthOutcome }) {
    this.auth.push(event);
  }
  idpCall(event: { endpoint: IdpEndpoint; outcome: IdpCallOutcome; durationMs: number }) {
    this.calls.push(event);
  }
  cacheLookup(event: { cache: CacheName; result: 'hit' | 'miss' }) {
    this.lookups.push(event);
  }

  /** The calls as `endpoint outcome`, after checking that each has a plausible duration. */
  callNames(): string[] {
    for (const c of this.calls) expect(c.durationMs).toBeGreaterThanOrEqual(0);
    return this.calls.map((c) => `${c.endpoint} ${c.outcome}`);
  }

  /** The cache lookups as `cache result`. */
  lookupNames(): string[] {
    return this.lookups.map((l) => `${l.cache} ${l.result}`);
  }
}

@Controller()
class ProbeController {
  @Public()
  @Get('open')
  open() {
    return {};
  }

  @Get('any')
  any() {
    return {};
  }

  @RequireScopes('orders.read')
  @Get('orders')
  orders() {
    return {};
  }

  @Roles('orders-admin')
  @Get('admin')
  admin() {
    return {};
  }

  @AllowedCallers('service-c')
  @Get('only-c')
  onlyC() {
    return {};
  }
}

async function startApp(options: KeycloakAuthOptions): Promise<{ app: INestApplication; base: string }> {
  const moduleRef = await Test.createTestingModule({
    imports: [KeycloakAuthModule.forRoot(options)],
    controllers: [ProbeController],
  }).compile();
  const app = moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
  return { app, base: await listenOnLoopback(app) };
}

describe('KeycloakAuthObserver: the guard reports each verdict with its reason', () => {
  let idp: LocalIdp;
  let observer: RecordingObserver;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    idp = await startS2sIdp();
  });
  afterAll(() => idp.stop());
  beforeEach(() => {
    observer = new RecordingObserver();
  });
  afterEach(() => app?.close());

  const status = async (path: string, token?: string) =>
    (await fetch(`${base}${path}`, { headers: token === undefined ? {} : { authorization: token } })).status;

  it('in jwt mode: accepted, and every refusal under its own code; public routes not at all', async () => {
    ({ app, base } = await startApp(
      idp.moduleOptions({ observer, http: { timeoutMs: 1000 }, jwks: { cooldownMs: 0 } }),
    ));
    const good = await idp.issue();
    const [header, payload, signature] = good.split('.');
    const forged = Buffer.from(Buffer.from(payload, 'base64url').toString().replace('user-1', 'user-2'));
    const stranger = await LocalIdp.newKey('stranger');
    const requests: [string, string | undefined, number, AuthOutcome][] = [
      ['/any', `Bearer ${good}`, 200, 'accepted'],
      ['/open', undefined, 200, 'accepted'], // not reported: filtered out below
      ['/any', undefined, 401, 'token_missing'],
      ['/any', 'Bearer not-a-jwt', 401, 'token_malformed'],
      ['/any', `Bearer ${await idp.issue({}, { now: Date.now() - 3_600_000 })}`, 401, 'token_expired'],
      [
        '/any',
        `Bearer ${header}.${forged.toString('base64url')}.${signature}`,
        401,
        'token_signature_invalid',
      ],
      ['/any', `Bearer ${await idp.issue({}, { key: stranger })}`, 401, 'token_key_unknown'],
      [
        '/any',
        `Bearer ${await idp.issue({ iss: 'http://elsewhere/realms/x' })}`,
        401,
        'token_issuer_invalid',
      ],
      ['/any', `Bearer ${await idp.issue({ aud: 'service-c' })}`, 401, 'token_audience_invalid'],
      ['/orders', `Bearer ${await idp.issue({ scope: 'profile' })}`, 403, 'insufficient_scope'],
      ['/admin', `Bearer ${good}`, 403, 'insufficient_role'],
      ['/only-c', `Bearer ${good}`, 403, 'caller_not_allowed'],
    ];
    for (const [path, token, expected] of requests) expect(await status(path, token)).toBe(expected);
    const reported = requests.filter(([path]) => path !== '/open').map(([, , , outcome]) => outcome);
    expect(observer.auth).toEqual(reported.map((outcome) => ({ mode: 'jwt', outcome })));
  });

  it('in introspection mode: an inactive token, and Keycloak down (idp_unavailable)', async () => {
    ({ app, base } = await startApp(
      idp.moduleOptions({ observer, mode: 'introspection', http: { timeoutMs: 1000 } }),
    ));
    const token = await idp.issue();
    idp.introspectAnswer = LocalIdp.activeAnswer(token);
    expect(await status('/any', `Bearer ${token}`)).toBe(200);
    idp.introspectAnswer = { status: 200, body: { active: false } };
    expect(await status('/any', `Bearer ${await idp.issue()}`)).toBe(401);
    idp.introspectAnswer = { status: 503, body: { error: 'unavailable' } };
    expect(await status('/any', `Bearer ${await idp.issue()}`)).toBe(503);
    expect(observer.auth).toEqual([
      { mode: 'introspection', outcome: 'accepted' },
      { mode: 'introspection', outcome: 'token_inactive' },
      { mode: 'introspection', outcome: 'idp_unavailable' },
    ]);
    // The realm's keys are fetched once (the local signature check before each first introspection).
    expect(observer.callNames()).toEqual([
      'jwks ok',
      'introspection ok',
      'introspection ok',
      'introspection unavailable',
    ]);
  });
});

describe('KeycloakAuthObserver: whatever code a verifier refuses with is the reported outcome', () => {
  it("for every one of the library's codes", async () => {
    const observer = new RecordingObserver();
    const idp = await startS2sIdp();
    const moduleRef = await Test.createTestingModule({
      imports: [KeycloakAuthModule.forRoot(idp.moduleOptions({ observer }))],
      controllers: [ProbeController],
    })
      .overrideProvider(TOKEN_VERIFIER)
      // Refuses each token with the code the token names: the guard's reporting, not a verifier, is under test.
      .useValue({
        verify: (token: string) => Promise.reject(new InvalidTokenError(token as never, 'refused')),
      })
      .compile();
    const app = moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
    const base = await listenOnLoopback(app);
    try {
      for (const code of KEYCLOAK_AUTH_ERROR_CODES) {
        const res = await fetch(`${base}/any`, { headers: { authorization: `Bearer ${code}` } });
        expect(res.status).toBe(ERROR_ANSWERS[code].status);
      }
    } finally {
      await app.close();
      await idp.stop();
    }
    expect(observer.auth.map((event) => event.outcome)).toEqual([...KEYCLOAK_AUTH_ERROR_CODES]);
  });
});

describe('KeycloakAuthObserver: calls to Keycloak and cache lookups', () => {
  let idp: LocalIdp;
  let clock: TestClock;
  let oauth: KeycloakOAuthClient | undefined;
  let observer: RecordingObserver;
  let token: string;

  beforeEach(async () => {
    idp = await startS2sIdp();
    clock = new TestClock();
    observer = new RecordingObserver();
    token = await idp.issue({}, { now: clock.now() });
  });
  afterEach(async () => {
    await oauth?.close();
    oauth = undefined;
    await idp.stop();
  });
  const clientFor = (options: ResolvedKeycloakAuthOptions) => (oauth = new KeycloakOAuthClient(options));

  it('jwt: one JWKS fetch (ok), then the verified token is a cache miss and a hit', async () => {
    const verifier = jwtVerifier(idp.options({ observer }), clock);
    await verifier.verify(token);
    await verifier.verify(token);
    expect(observer.callNames()).toEqual(['jwks ok']);
    expect(idp.requests.jwks).toBe(1);
    expect(observer.lookupNames()).toEqual(['verified_jwt miss', 'verified_jwt hit']);
  });

  it('jwt: a JWKS that answers 503, and one that is down, are unavailable', async () => {
    const verifier = jwtVerifier(idp.options({ observer, jwks: { cooldownMs: 0 } }), clock);
    idp.jwksAnswer = { status: 503, body: 'down for maintenance' };
    await rejectionOf(verifier.verify(token));
    await idp.stop();
    await rejectionOf(verifier.verify(await idp.issue({ sub: 'other' }, { now: clock.now() })));
    expect(observer.callNames()).toEqual(['jwks unavailable', 'jwks unavailable']);
  });

  it('introspection: ok, a 400 for an unparsable token is an error answer, a 503 unavailable; answers cached', async () => {
    const options = idp.options({ observer, mode: 'introspection', http: { timeoutMs: 1000 } });
    const verifier = new IntrospectionTokenVerifier(options.home, options, clock, clientFor(options));
    idp.introspectAnswer = LocalIdp.activeAnswer(token);
    await verifier.verify(token);
    await verifier.verify(token);
    idp.introspectAnswer = { status: 400, body: { error: 'invalid_request' } };
    await rejectionOf(verifier.verify(await idp.issue({ sub: 'two' }, { now: clock.now() })));
    idp.introspectAnswer = { status: 503, body: { error: 'unavailable' } };
    await rejectionOf(verifier.verify(await idp.issue({ sub: 'three' }, { now: clock.now() })));
    expect(observer.callNames()).toEqual([
      'jwks ok',
      'introspection ok',
      'introspection error',
      'introspection unavailable',
    ]);
    expect(observer.lookupNames()).toEqual([
      'introspection miss',
      'introspection hit',
      'introspection miss',
      'introspection miss',
    ]);
  });

  it('client credentials: the token endpoint (ok, refused, down) and its cache', async () => {
    const options = idp.options({ observer, clientId: 'service-a', http: { timeoutMs: 1000 } });
    const provider = new ClientCredentialsTokenProvider(clock, clientFor(options), options.outgoingTokens);
    await provider.getToken();
    await provider.getToken();
    idp.tokenAnswer = { status: 401, body: { error: 'invalid_client' } };
    await rejectionOf(provider.getToken({ scope: 'refused' }));
    idp.behaviour.token = 'reset';
    await rejectionOf(provider.getToken({ scope: 'down' }));
    // The last one is retried twice (3 attempts), each a call of its own.
    expect(observer.callNames()).toEqual([
      'token ok',
      'token error',
      'token unavailable',
      'token unavailable',
      'token unavailable',
    ]);
    expect(observer.lookupNames()).toEqual([
      'client_credentials miss',
      'client_credentials hit',
      'client_credentials miss',
      'client_credentials miss',
    ]);
  });

  it('token exchange: reported as its own endpoint, with its own cache', async () => {
    const options = idp.options({ observer, http: { timeoutMs: 1000 } });
    const exchange = new TokenExchangeService(options, clock, clientFor(options));
    await exchange.exchange(token, { audience: 'service-c' });
    await exchange.exchange(token, { audience: 'service-c' });
    idp.tokenAnswer = { status: 403, body: { error: 'access_denied' } };
    await rejectionOf(exchange.exchange(token, { audience: 'service-d' }));
    expect(observer.callNames()).toEqual(['token_exchange ok', 'token_exchange error']);
    expect(observer.lookupNames()).toEqual([
      'token_exchange miss',
      'token_exchange hit',
      'token_exchange miss',
    ]);
  });
});

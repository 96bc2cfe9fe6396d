import { connect } from 'node:net';
import { Controller, Get, INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AllowedCallers } from './allowed-callers.decorator';
import { CurrentPrincipal } from './current-principal.decorator';
import { Public } from './public.decorator';
import { RequireScopes } from './require-scopes.decorator';
import { Roles } from './roles.decorator';
import { ExchangedToken, ExchangeToken } from './exchange-token.decorator';
import { KeycloakAuthModule } from './keycloak-auth.module';
import { Principal } from '../core/principal';
import { LocalIdp } from '../testing/local-idp';
import {
  ADAPTERS,
  AdapterName,
  get,
  listenOnLoopback,
  metadataOf,
} from '../../../../test/support/loopback-app';
import { startS2sIdp } from '../../../../test/support/s2s-idp';

// Every test here runs on both HTTP adapters: the guard sets WWW-Authenticate through Nest's HttpAdapterHost, and
// the decorators read the request through the execution context, so neither may depend on Fastify or Express.

@Controller()
class ProbeController {
  @Public()
  @Get('open')
  open() {
    return { open: true };
  }

  @Get('me')
  me(@CurrentPrincipal() principal: Principal) {
    return principal;
  }

  @RequireScopes('orders.read')
  @Get('orders')
  orders() {
    return { ok: true };
  }

  @RequireScopes('orders.read', 'analytics.run')
  @Get('analytics')
  analytics() {
    return { ok: true };
  }

  @Roles('orders-user')
  @Get('realm-role')
  realmRole() {
    return { ok: true };
  }

  @Roles('service-b:admin')
  @Get('client-role')
  clientRole() {
    return { ok: true };
  }

  @AllowedCallers('service-b')
  @Get('only-b')
  onlyB(@CurrentPrincipal() principal: Principal) {
    return { caller: principal.clientId, actors: principal.actors };
  }

  @ExchangeToken({ audience: 'service-c', scope: 'analytics.run' })
  @Get('exchange')
  exchange(@ExchangedToken() token: string) {
    return { token };
  }

  @Public()
  @ExchangeToken({ audience: 'service-c' })
  @Get('exchange-without-token')
  exchangeWithoutToken() {
    return { reached: true };
  }
}

@Public()
@Controller('public-class')
class PublicController {
  @Get()
  open() {
    return { open: true };
  }
}

async function startApp(
  idp: LocalIdp,
  adapter: AdapterName,
): Promise<{ app: INestApplication; base: string }> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      KeycloakAuthModule.forRoot(
        idp.moduleOptions({ http: { timeoutMs: 1000 }, dpop: { policy: 'allowed' } }),
      ),
    ],
    controllers: [ProbeController, PublicController],
  }).compile();
  const app = moduleRef.createNestApplication(
    adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(),
  );
  return { app, base: await listenOnLoopback(app) };
}

/** GETs with each of `authorizations` as its own header line, over a bare socket (fetch would merge them). */
function getWithHeaderLines(base: string, path: string, authorizations: string[]) {
  const { hostname, port } = new URL(base);
  const head = [`GET ${path} HTTP/1.1`, `Host: ${hostname}:${port}`, 'Connection: close'];
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let raw = '';
    socket.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    socket.on('error', reject);
    socket.on('end', () =>
      resolve({ status: Number(raw.slice(9, 12)), text: raw.slice(raw.indexOf('\r\n\r\n') + 4) }),
    );
    const lines = authorizations.map((a) => `Authorization: ${a}`);
    socket.write(`${[...head, ...lines].join('\r\n')}\r\n\r\n`);
  });
}

describe.each(ADAPTERS)('KeycloakAuthGuard over HTTP (%s)', (adapter) => {
  let idp: LocalIdp;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    idp = await startS2sIdp();
    ({ app, base } = await startApp(idp, adapter));
  });
  afterAll(async () => {
    await app.close();
    await idp.stop();
  });

  const call = (path: string, authorization?: string) => get(base, path, authorization);
  /** RFC 9728 §5.1: every challenge names the service's metadata, at the origin the request was sent to. */
  const metadata = () => metadataOf(base);
  const bearer = async (claims: Record<string, unknown> = {}) => `Bearer ${await idp.issue(claims)}`;

  it('is served by the adapter under test', async () => {
    // Express announces itself; Fastify does not.
    const poweredBy = (await fetch(`${base}/open`)).headers.get('x-powered-by');
    expect(poweredBy).toBe(adapter === 'express' ? 'Express' : null);
  });

  it('declares the principal on every Fastify request from the start (the request keeps its shape)', () => {
    const server = app.getHttpAdapter().getInstance() as { hasRequestDecorator?: (name: string) => boolean };
    expect(server.hasRequestDecorator?.('principal') ?? false).toBe(adapter === 'fastify');
  });

  it('lets a public route through without a token', async () => {
    expect(await call('/open')).toEqual({ status: 200, challenge: null, body: { open: true } });
    expect((await call('/public-class')).status).toBe(200);
  });

  it('hands the verified principal to the handler', async () => {
    const res = await call('/me', await bearer());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject(idp.defaultPrincipal());
  });

  describe('answers 401 invalid_token with an RFC 6750 challenge and a JSON body', () => {
    const expectInvalidToken = (res: Awaited<ReturnType<typeof call>>, code: string) => {
      expect(res.status).toBe(401);
      expect(res.challenge).toMatch(
        /^Bearer realm="s2s", error="invalid_token", error_description="[^"]+", /,
      );
      expect(res.challenge?.endsWith(`, ${metadata()}`)).toBe(true);
      expect(res.body).toEqual({
        statusCode: 401,
        error: 'invalid_token',
        message: expect.stringMatching(/\S/),
        code,
      });
      expect(res.challenge).toContain(`error_description="${res.body.message}"`);
    };

    it('for no Authorization header: one challenge per accepted scheme and no error code (RFC 6750 §3.1)', async () => {
      const res = await call('/me');
      expect(res.status).toBe(401);
      expect(res.challenge).toBe(
        `Bearer realm="s2s", ${metadata()}, DPoP realm="s2s", algs="ES256 PS256 RS256 EdDSA", ${metadata()}`,
      );
      expect(res.body).toMatchObject({ statusCode: 401, error: 'invalid_token', code: 'token_missing' });
    });

    it.each([
      ['Basic', 'Basic c2VydmljZS1hOnNlY3JldA=='],
      ['Negotiate', 'Negotiate YIIBhwYGKwYBBQUCoIIBezCCAXegDTALBgkqhkiG9xIBAgI='],
      ['a lone word', 'token'],
    ])(
      'for another scheme (%s): the challenges of a request without credentials, no error code (RFC 6750 §3.1)',
      async (_name, authorization) => {
        const res = await call('/me', authorization);
        expect(res.status).toBe(401);
        expect(res.challenge).toBe(
          `Bearer realm="s2s", ${metadata()}, DPoP realm="s2s", algs="ES256 PS256 RS256 EdDSA", ${metadata()}`,
        );
        expect(res.body).toMatchObject({ statusCode: 401, error: 'invalid_token', code: 'token_malformed' });
      },
    );

    it.each([
      ['Bearer with an empty token', 'Bearer ', 'token_malformed'],
      ['Bearer without a space', 'Bearer', 'token_malformed'],
      ['a bearer token that is not a JWT', 'Bearer abc', 'token_malformed'],
    ])('for %s', async (_name, authorization, code) => {
      expectInvalidToken(await call('/me', authorization), code);
    });

    it.each([
      ['the good token first', (good: string) => [good, 'Bearer abc']],
      ['the good token second', (good: string) => ['Bearer abc', good]],
    ])('for two Authorization header lines, %s (Node keeps only the first in headers)', async (_n, lines) => {
      const res = await getWithHeaderLines(base, '/me', lines(await bearer()));
      expect(res.status).toBe(401);
      expect(JSON.parse(res.text)).toMatchObject({
        code: 'token_malformed',
        message: 'more than one Authorization header',
      });
    });

    it('for an expired token', async () => {
      const now = Math.floor(Date.now() / 1000);
      const res = await call('/me', await bearer({ iat: now - 600, exp: now - 60 }));
      expectInvalidToken(res, 'token_expired');
      expect(res.challenge).toContain('error_description="token expired"');
    });

    it('for a token meant for another service', async () => {
      expectInvalidToken(await call('/me', await bearer({ aud: 'service-c' })), 'token_audience_invalid');
    });
  });

  describe('answers a token verified before from its cache, under the same rules', () => {
    let token: string;
    beforeAll(async () => {
      token = await idp.issue({ jti: 'verified-before' });
      expect((await call('/me', `Bearer ${token}`)).status).toBe(200);
    });

    it('accepts it again, with its principal, without asking the realm', async () => {
      const asked = { ...idp.requests };
      const res = await call('/me', `Bearer ${token}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject(idp.defaultPrincipal());
      expect(idp.requests).toEqual(asked);
    });

    it('accepts it under the header forms the full rules allow (lower-case scheme, two spaces)', async () => {
      expect((await call('/me', `bearer ${token}`)).status).toBe(200);
      expect((await call('/me', `Bearer  ${token}`)).status).toBe(200);
    });

    it.each([
      ['with something after it', (t: string) => `Bearer ${t} x`, 'token_malformed'],
      ['glued to the scheme', (t: string) => `Bearer${t}`, 'token_malformed'],
      ['under the DPoP scheme without a binding', (t: string) => `DPoP ${t}`, 'dpop_token_not_bound'],
    ])('refuses it %s', async (_name, header, code) => {
      const res = await call('/me', header(token));
      expect(res.status).toBe(401);
      expect(res.body.code).toBe(code);
      expect(res.challenge).toMatch(/error="invalid_token"/);
    });

    it('refuses it in two Authorization header lines', async () => {
      const res = await getWithHeaderLines(base, '/me', [`Bearer ${token}`, `Bearer ${token}`]);
      expect(res.status).toBe(401);
      expect(JSON.parse(res.text)).toMatchObject({ code: 'token_malformed' });
    });

    it('hands it to an exchanging route, though the routes it passed before kept no token', async () => {
      idp.tokenAnswer = {
        status: 200,
        body: { access_token: 'exchanged-after-cache-hit', token_type: 'Bearer', expires_in: 300 },
      };
      const res = await call('/exchange', `Bearer ${token}`);
      expect(res).toMatchObject({ status: 200, body: { token: 'exchanged-after-cache-hit' } });
      expect(idp.forms.token.at(-1)?.get('subject_token')).toBe(token);
    });

    it('refuses it on a route whose scope it lacks, with the 403 challenge naming the scope', async () => {
      const res = await call('/analytics', `Bearer ${token}`);
      expect(res.status).toBe(403);
      expect(res.challenge).toMatch(/^Bearer realm="s2s", error="insufficient_scope", /);
      expect(res.challenge).toContain('scope="orders.read analytics.run"');
    });
  });

  describe('answers 403 insufficient_scope', () => {
    it('for a token without the required scope, naming it', async () => {
      const res = await call('/orders', await bearer({ scope: 'profile' }));
      expect(res.status).toBe(403);
      expect(res.challenge).toMatch(/^Bearer realm="s2s", error="insufficient_scope", /);
      expect(res.challenge).toContain('scope="orders.read"');
      // RFC 9728 §5: the metadata's scopes_supported tells the client what to ask for.
      expect(res.challenge?.endsWith(`, ${metadata()}`)).toBe(true);
      expect(res.body).toEqual({
        statusCode: 403,
        error: 'insufficient_scope',
        message: 'token lacks scope orders.read',
        code: 'insufficient_scope',
      });
    });

    it('naming every required scope when one of several is missing', async () => {
      const res = await call('/analytics', await bearer());
      expect(res.status).toBe(403);
      expect(res.challenge).toContain('scope="orders.read analytics.run"');
      expect(res.body.message).toBe('token lacks scope analytics.run');
    });

    it('for a token without the realm role', async () => {
      const res = await call('/realm-role', await bearer({ realm_access: { roles: ['other'] } }));
      expect(res.status).toBe(403);
      expect(res.challenge).toMatch(/^Bearer realm="s2s", error="insufficient_scope", /);
      expect(res.body.code).toBe('insufficient_role');
    });

    it.each([
      ['another role of that client', { 'service-b': { roles: ['viewer'] } }],
      ['that role of another client', { 'service-c': { roles: ['admin'] } }],
      ['no client roles at all', undefined],
    ])('for a token without the client role: %s', async (_name, resourceAccess) => {
      const res = await call('/client-role', await bearer({ resource_access: resourceAccess }));
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('insufficient_role');
    });

    it.each([
      [
        'a current actor that is not allowed',
        { client_id: 'service-a' },
        'actor service-a is not allowed here',
      ],
      [
        'an actor named only by sub',
        { sub: 'service-x', act: { client_id: 'service-b' } },
        'actor service-x is not allowed here',
      ],
    ])('for a delegated token (act) with %s, even from an allowed azp', async (_name, act, message) => {
      const res = await call('/only-b', await bearer({ azp: 'service-b', act }));
      expect(res.status).toBe(403);
      expect(res.challenge).toMatch(/^Bearer realm="s2s", error="insufficient_scope", /);
      expect(res.body).toMatchObject({ code: 'caller_not_allowed', message });
    });

    it('for a caller (azp) that is not allowed', async () => {
      const res = await call('/only-b', await bearer({ azp: 'service-a' }));
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('caller_not_allowed');
      expect(res.body.message).toBe('caller service-a is not allowed here');
    });
  });

  describe('lets through', () => {
    it('a delegated token whose current actor is allowed, with the whole act chain in the principal', async () => {
      const act = { client_id: 'service-b', act: { sub: 'service-a' } };
      const res = await call('/only-b', await bearer({ azp: 'service-b', act }));
      expect(res).toMatchObject({
        status: 200,
        body: { caller: 'service-b', actors: ['service-b', 'service-a'] },
      });
    });

    it('a token with the scope', async () => {
      expect(await call('/orders', await bearer())).toMatchObject({ status: 200, body: { ok: true } });
    });

    it('a token with the realm role', async () => {
      expect((await call('/realm-role', await bearer())).status).toBe(200);
    });

    it('a token with the client role service-b:admin', async () => {
      expect((await call('/client-role', await bearer())).status).toBe(200);
    });

    it('the allowed caller', async () => {
      expect(await call('/only-b', await bearer({ azp: 'service-b' }))).toMatchObject({
        status: 200,
        body: { caller: 'service-b' },
      });
    });
  });

  describe('token exchange (RFC 8693) before the handler', () => {
    it('exchanges the verified incoming token, once per token', async () => {
      idp.tokenAnswer = {
        status: 200,
        body: { access_token: 'token-for-c', token_type: 'Bearer', expires_in: 300 },
      };
      const before = idp.requests.token;
      const authorization = await bearer();
      expect(await call('/exchange', authorization)).toMatchObject({
        status: 200,
        body: { token: 'token-for-c' },
      });
      expect(idp.forms.token.at(-1)?.get('subject_token')).toBe(authorization.slice('Bearer '.length));
      await call('/exchange', authorization);
      expect(idp.requests.token - before).toBe(1);
    });

    it('answers 403 when Keycloak denies the exchange', async () => {
      idp.tokenAnswer = {
        status: 403,
        body: { error: 'access_denied', error_description: 'Client not allowed' },
      };
      const res = await call('/exchange', await bearer());
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('exchange_denied');
      expect(res.challenge).toMatch(/^Bearer realm="s2s", error="insufficient_scope", /);
    });

    it('answers 401 with an invalid_token challenge when Keycloak refuses the subject the guard accepted (revoked)', async () => {
      // Keycloak 26's answer once the user's session has ended or the caller's client was disabled.
      idp.tokenAnswer = {
        status: 400,
        body: { error: 'invalid_request', error_description: 'Invalid token' },
      };
      const res = await call('/exchange', await bearer({ jti: 'revoked-meanwhile' }));
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('exchange_subject_rejected');
      expect(res.challenge).toMatch(
        /^Bearer realm="s2s", error="invalid_token", error_description="[^"]+", /,
      );
      expect(res.challenge?.endsWith(`, ${metadata()}`)).toBe(true);
    });

    it('answers 401 when there is no verified token to exchange', async () => {
      const res = await call('/exchange-without-token');
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('token_missing');
    });
  });
});

describe.each(ADAPTERS)('KeycloakAuthGuard over HTTP (%s) with Keycloak unreachable', (adapter) => {
  let idp: LocalIdp;
  let app: INestApplication;
  let base: string;
  let token: string;

  beforeAll(async () => {
    idp = await startS2sIdp();
    idp.behaviour.jwks = 'reset';
    token = await idp.issue();
    ({ app, base } = await startApp(idp, adapter));
  });
  afterAll(async () => {
    await app.close();
    await idp.stop();
  });

  it('answers 503 idp_unavailable without a challenge (fail closed, not the caller’s fault)', async () => {
    const res = await get(base, '/me', `Bearer ${token}`);
    expect(res.status).toBe(503);
    expect(res.challenge).toBeNull();
    expect(res.body).toEqual({
      statusCode: 503,
      error: 'idp_unavailable',
      message: expect.stringContaining('signing keys unavailable'),
      code: 'idp_unavailable',
    });
  });

  it('still serves public routes', async () => {
    expect((await get(base, '/open')).status).toBe(200);
  });
});

import { Controller, Get, INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { decodeJwt, SignJWT } from 'jose';
import { CurrentPrincipal } from '../nest/current-principal.decorator';
import { ExchangedToken, ExchangeToken } from '../nest/exchange-token.decorator';
import { KeycloakAuthOptions } from '../config/keycloak-auth.options';
import { AuthMode } from '../core/auth-mode';
import { KeycloakAuthModule } from '../nest/keycloak-auth.module';
import { Principal } from '../core/principal';
import { Endpoint, LocalIdp } from '../testing/local-idp';
import { listenOnLoopback, metadataOf } from '../../../../test/support/loopback-app';
import { startS2sIdp } from '../../../../test/support/s2s-idp';

@Controller()
class CallerController {
  @Get('me')
  me(@CurrentPrincipal() principal: Principal) {
    return { issuer: principal.issuer, subject: principal.subject };
  }

  @ExchangeToken({ audience: 'service-c' })
  @Get('exchange')
  exchange(@ExchangedToken() token: string) {
    return { token };
  }
}

// RFC 6749 §2.3.1: id and secret are form-encoded (openid-client escapes '-' too) before being joined.
const formEncode = (value: string) => encodeURIComponent(value).replace(/-/g, '%2D');
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${formEncode(id)}:${formEncode(secret)}`).toString('base64')}`;
const ENDPOINTS: Endpoint[] = ['jwks', 'token', 'introspect'];
/** Every request a realm received, all endpoints together. */
const calls = (idp: LocalIdp) => ENDPOINTS.reduce((sum, e) => sum + idp.requests[e], 0);

/** CallerController on Fastify on loopback, its KeycloakAuthModule configured with `options`. */
async function callerApp(options: KeycloakAuthOptions): Promise<{ app: INestApplication; base: string }> {
  const moduleRef = await Test.createTestingModule({
    imports: [KeycloakAuthModule.forRoot(options)],
    controllers: [CallerController],
  }).compile();
  const app = moduleRef.createNestApplication(new FastifyAdapter());
  return { app, base: await listenOnLoopback(app) };
}

/** GETs `base + path` with `token` as the bearer: the status, the challenge and the JSON body. */
async function getAs(base: string, path: string, token: string) {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as Record<string, unknown>;
  return { status: res.status, challenge: res.headers.get('www-authenticate'), body };
}

describe.each<AuthMode>(['jwt', 'introspection'])('several realms at once (%s mode)', (mode) => {
  // Three realms, each with its own signing key: s2s (home) and partners are accepted, elsewhere is not.
  let home: LocalIdp;
  let partners: LocalIdp;
  let elsewhere: LocalIdp;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    home = await startS2sIdp({ realm: 's2s', kid: 'home-key' });
    partners = await startS2sIdp({ realm: 'partners', kid: 'partners-key' });
    elsewhere = await startS2sIdp({ realm: 'elsewhere', kid: 'elsewhere-key' });
    for (const idp of [home, partners, elsewhere]) {
      // Each realm's Keycloak knows its own tokens: active when it signed them, inactive otherwise.
      idp.introspectAnswer = async (form) => {
        const token = form.get('token') ?? '';
        return (await idp.signedHere(token))
          ? LocalIdp.activeAnswer(token)
          : { status: 200, body: { active: false } };
      };
      idp.tokenAnswer = {
        status: 200,
        body: { access_token: `exchanged-by-${idp.realm}`, token_type: 'Bearer', expires_in: 300 },
      };
    }
    ({ app, base } = await callerApp({
      ...home.moduleOptions({ mode, http: { timeoutMs: 1000 } }),
      additionalRealms: [
        {
          realm: 'partners',
          url: partners.url,
          clientId: 'orders-api',
          clientAuth: { method: 'client_secret_basic', secret: 'partners-secret' },
        },
      ],
    }));
  });
  afterAll(async () => {
    await app.close();
    await Promise.all([home.stop(), partners.stop(), elsewhere.stop()]);
  });
  beforeEach(() => {
    for (const idp of [home, partners, elsewhere]) {
      for (const e of ENDPOINTS) idp.requests[e] = 0;
      idp.authorizations.length = 0;
      idp.forms.token.length = 0;
    }
  });

  const get = (path: string, token: string) => getAs(base, path, token);

  it('accepts a token of the home realm and one of the additional realm, each checked by its own realm', async () => {
    const fromHome = await get('/me', await home.issue());
    const fromPartners = await get('/me', await partners.issue({ sub: 'partner-user' }));
    expect(fromHome).toMatchObject({ status: 200, body: { issuer: home.issuer, subject: 'user-1' } });
    expect(fromPartners).toMatchObject({
      status: 200,
      body: { issuer: partners.issuer, subject: 'partner-user' },
    });
    const asked: Endpoint = mode === 'jwt' ? 'jwks' : 'introspect';
    expect([home.requests[asked], partners.requests[asked]]).toEqual([1, 1]);
    expect(calls(elsewhere)).toBe(0);
    if (mode === 'introspection') {
      // Each realm is asked as this service's client in that realm.
      expect(home.authorizations).toEqual([basic('service-b', 'b-secret')]);
      expect(partners.authorizations).toEqual([basic('orders-api', 'partners-secret')]);
    }
  });

  it('refuses a token whose iss is not accepted with 401 invalid_token, asking no Keycloak', async () => {
    const res = await get('/me', await elsewhere.issue());
    expect(res.status).toBe(401);
    expect(res.challenge).toBe(
      `Bearer realm="s2s", error="invalid_token", error_description="token issuer not accepted", ${metadataOf(base)}`,
    );
    expect(res.body).toMatchObject({ error: 'invalid_token', code: 'token_issuer_invalid' });
    expect([calls(home), calls(partners), calls(elsewhere)]).toEqual([0, 0, 0]);
  });

  it.each([
    ['no iss', { iss: undefined }],
    ['an iss that is not a string', { iss: 42 }],
    ['the home realm under another host', { iss: 'http://localhost:1/realms/s2s' }],
  ])('refuses a token with %s, asking no Keycloak', async (_name, claims) => {
    const res = await get('/me', await home.issue(claims));
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('token_issuer_invalid');
    expect([calls(home), calls(partners), calls(elsewhere)]).toEqual([0, 0, 0]);
  });

  it('refuses a token whose payload is not JSON as malformed, asking no Keycloak', async () => {
    const notJson = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('not json').toString('base64url')}.c2ln`;
    const res = await get('/me', notJson);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('token_malformed');
    expect([calls(home), calls(partners), calls(elsewhere)]).toEqual([0, 0, 0]);
  });

  it("refuses a token that names the home realm but is signed with the other realm's key", async () => {
    // The unverified iss only picks who checks: the home realm does not accept partners' signature.
    const forged = await new SignJWT(decodeJwt(await home.issue()))
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: 'home-key' })
      .sign(partners.signingKey.privateKey);
    const res = await get('/me', forged);
    expect(res.status).toBe(401);
    // Both modes check the signature locally first: the forged token never reaches introspection.
    expect(res.body.code).toBe('token_signature_invalid');
    expect(calls(partners)).toBe(0);
    expect(home.requests.introspect).toBe(0);
  });

  it('exchanges a token at the realm that issued it, as the client of that realm', async () => {
    const fromPartners = await partners.issue();
    expect(await get('/exchange', fromPartners)).toMatchObject({
      status: 200,
      body: { token: 'exchanged-by-partners' },
    });
    expect(home.requests.token).toBe(0);
    expect(partners.forms.token[0].get('subject_token')).toBe(fromPartners);
    expect(partners.authorizations.at(-1)).toBe(basic('orders-api', 'partners-secret'));
    expect((await get('/exchange', await home.issue())).body).toEqual({ token: 'exchanged-by-s2s' });
  });
});

describe.each<AuthMode>(['jwt', 'introspection'])('one realm (%s mode): nothing to choose', (mode) => {
  // The only realm's verifier takes every token as it comes (no payload decoded on a cached token) and refuses
  // other issuers itself, still before any call to Keycloak.
  let home: LocalIdp;
  let elsewhere: LocalIdp;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    home = await startS2sIdp({ realm: 's2s', kid: 'home-key' });
    elsewhere = await startS2sIdp({ realm: 'elsewhere', kid: 'elsewhere-key' });
    home.introspectAnswer = (form) => LocalIdp.activeAnswer(form.get('token') ?? '');
    ({ app, base } = await callerApp(home.moduleOptions({ mode, http: { timeoutMs: 1000 } })));
  });
  afterAll(async () => {
    await app.close();
    await Promise.all([home.stop(), elsewhere.stop()]);
  });

  const get = (token: string) => getAs(base, '/me', token);

  it('refuses a token of another issuer before fetching keys or introspecting', async () => {
    const res = await get(await elsewhere.issue());
    expect(res).toMatchObject({ status: 401, body: { code: 'token_issuer_invalid' } });
    expect([calls(home), calls(elsewhere)]).toEqual([0, 0]);
  });

  it.each([
    ['no iss', { iss: undefined }],
    ['an iss that is not a string', { iss: 42 }],
    ['the realm under another host', { iss: 'http://localhost:1/realms/s2s' }],
  ])('refuses a token with %s, asking no Keycloak', async (_name, claims) => {
    const res = await get(await home.issue(claims));
    expect(res).toMatchObject({ status: 401, body: { code: 'token_issuer_invalid' } });
    expect(calls(home)).toBe(0);
  });

  it('refuses a token whose payload is not JSON as malformed, asking no Keycloak', async () => {
    const notJson = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('not json').toString('base64url')}.c2ln`;
    expect(await get(notJson)).toMatchObject({ status: 401, body: { code: 'token_malformed' } });
    expect(calls(home)).toBe(0);
  });

  it('refuses a token without claims for its issuer first, as several realms do', async () => {
    const empty = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.YWJj`;
    expect(await get(empty)).toMatchObject({ status: 401, body: { code: 'token_issuer_invalid' } });
    expect(calls(home)).toBe(0);
  });

  it('accepts its own token, and the second time from the cache', async () => {
    const token = await home.issue();
    expect(await get(token)).toMatchObject({ status: 200, body: { issuer: home.issuer, subject: 'user-1' } });
    expect(await get(token)).toMatchObject({ status: 200, body: { issuer: home.issuer, subject: 'user-1' } });
    // jwt mode fetches the JWKS once; introspection mode too (the local signature check), then introspects once.
    expect(calls(home)).toBe(mode === 'jwt' ? 1 : 2);
    expect(home.requests.jwks).toBe(1);
    if (mode === 'introspection') expect(home.requests.introspect).toBe(1);
  });
});

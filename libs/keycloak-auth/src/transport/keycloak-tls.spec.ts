import { Controller, Get, INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { CurrentPrincipal } from '../nest/current-principal.decorator';
import { Public } from '../nest/public.decorator';
import { IdentityProviderUnavailableError } from '../core/errors';
import { ExchangedToken, ExchangeToken } from '../nest/exchange-token.decorator';
import { AuthMode } from '../core/auth-mode';
import { resolveKeycloakAuthOptions } from '../config/resolve-options';
import { KeycloakAuthModule } from '../nest/keycloak-auth.module';
import { Principal } from '../core/principal';
import { ClientCredentialsTokenProvider } from '../client/client-credentials-token.provider';
import { LocalIdp } from '../testing/local-idp';
import { rejectionOf } from '../../../../test/support/rejection';
import { throwawayPki, ThrowawayPki } from '../../../../test/support/throwaway-ca';
import { pemCertificates } from './keycloak-tls';
import { listenOnLoopback } from '../../../../test/support/loopback-app';
import { startS2sIdp } from '../../../../test/support/s2s-idp';

@Controller()
class TlsProbeController {
  constructor(private readonly ownToken: ClientCredentialsTokenProvider) {}

  @Get('me')
  me(@CurrentPrincipal() principal: Principal) {
    return { subject: principal.subject };
  }

  @ExchangeToken({ audience: 'service-c' })
  @Get('exchange')
  exchange(@ExchangedToken() token: string) {
    return { token };
  }

  @Public()
  @Get('own-token')
  async own() {
    return { token: await this.ownToken.getToken() };
  }
}

const TIMEOUT_MS = 2000;

async function startApp(idp: LocalIdp, mode: AuthMode, ca?: string | string[]) {
  const moduleRef = await Test.createTestingModule({
    imports: [KeycloakAuthModule.forRoot(idp.moduleOptions({ mode, http: { timeoutMs: TIMEOUT_MS, ca } }))],
    controllers: [TlsProbeController],
  }).compile();
  const app = moduleRef.createNestApplication(new FastifyAdapter());
  const base = await listenOnLoopback(app);
  const get = async (path: string, token?: string) => {
    const started = Date.now();
    const res = await fetch(`${base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const body = (await res.json()) as Record<string, unknown>;
    return { status: res.status, body, ms: Date.now() - started };
  };
  return { app, get, tokens: moduleRef.get(ClientCredentialsTokenProvider) };
}

describe('Keycloak behind a private CA (option ca)', () => {
  let pki: ThrowawayPki;
  let idp: LocalIdp;
  let app: INestApplication | undefined;

  beforeAll(async () => {
    pki = throwawayPki();
    idp = await startS2sIdp({ tls: pki.server });
    idp.introspectAnswer = (form) => LocalIdp.activeAnswer(form.get('token') ?? '');
    idp.tokenAnswer = {
      status: 200,
      body: { access_token: 'over-tls', token_type: 'Bearer', expires_in: 300 },
    };
  });
  afterAll(() => idp.stop());
  beforeEach(() => {
    for (const endpoint of ['jwks', 'token', 'introspect'] as const) idp.requests[endpoint] = 0;
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('serves the realm over HTTPS', () => {
    expect(idp.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  describe.each<AuthMode>(['jwt', 'introspection'])('%s mode', (mode) => {
    it('verifies tokens when the CA is configured', async () => {
      const started = await startApp(idp, mode, pki.ca);
      app = started.app;
      expect(await started.get('/me', await idp.issue())).toMatchObject({
        status: 200,
        body: { subject: 'user-1' },
      });
      expect(idp.requests[mode === 'jwt' ? 'jwks' : 'introspect']).toBe(1);
    });

    it.each([
      ['no CA is configured (Node’s public roots)', undefined],
      ['another CA is configured', 'unrelated'],
    ])('answers 503 idp_unavailable, promptly, when %s', async (_name, which) => {
      const started = await startApp(idp, mode, which ? pki.unrelatedCa : undefined);
      app = started.app;
      const res = await started.get('/me', await idp.issue());
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ error: 'idp_unavailable', code: 'idp_unavailable' });
      // The TLS handshake failed: the realm never saw a request, and the answer did not wait for the timeout.
      expect(res.body.message).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN/);
      expect(res.ms).toBeLessThan(TIMEOUT_MS);
      expect(idp.requests.jwks + idp.requests.introspect).toBe(0);
    });
  });

  it('obtains its own token (client credentials) and exchanges tokens over HTTPS with the CA', async () => {
    const started = await startApp(idp, 'jwt', [pki.unrelatedCa, pki.ca]);
    app = started.app;
    expect(await started.get('/own-token')).toMatchObject({ status: 200, body: { token: 'over-tls' } });
    expect(await started.get('/exchange', await idp.issue())).toMatchObject({
      status: 200,
      body: { token: 'over-tls' },
    });
    expect(idp.requests.token).toBe(2);
  });

  it('fails a client-credentials request with IdentityProviderUnavailableError without the CA', async () => {
    const started = await startApp(idp, 'jwt');
    app = started.app;
    const error = await rejectionOf(started.tokens.getToken());
    expect(error).toBeInstanceOf(IdentityProviderUnavailableError);
    expect(error.message).toMatch(/^Keycloak unreachable at https:\/\/127\.0\.0\.1:\d+: \w+/);
    expect(idp.requests.token).toBe(0);
  });

  it('still reaches a plain-http realm with a CA configured', async () => {
    const plain = await startS2sIdp();
    try {
      const started = await startApp(plain, 'jwt', pki.ca);
      app = started.app;
      expect((await started.get('/me', await plain.issue())).status).toBe(200);
      expect(plain.requests.jwks).toBe(1);
    } finally {
      await plain.stop();
    }
  });

  describe('option validation', () => {
    const resolve = (ca: unknown) =>
      resolveKeycloakAuthOptions({ ...idp.moduleOptions(), mode: 'jwt', http: { ca } } as never);

    it('splits a PEM bundle into its certificates', () => {
      expect(resolve(`${pki.ca}\n${pki.unrelatedCa}`).http.ca).toEqual([
        pki.ca.trim(),
        pki.unrelatedCa.trim(),
      ]);
      expect(resolve([pki.ca]).http.ca).toEqual([pki.ca.trim()]);
    });

    it.each<[string, (p: ThrowawayPki) => unknown]>([
      ['an empty string', () => ''],
      ['a file path', () => '/etc/ssl/private-ca.pem'],
      ['an empty list', () => []],
      ['a private key', (p) => p.server.key],
      ['a truncated certificate', (p) => p.ca.split('\n').toSpliced(2, 1).join('\n')],
      ['a list with one bad entry', (p) => [p.ca, 'not a certificate']],
    ])('refuses %s and names the key', (_name, value) => {
      expect(() => resolve(value(pki))).toThrow(
        /^Invalid KeycloakAuthModule options: http\.ca: must be one or more PEM/,
      );
    });

    it('reads nothing from a non-string', () => {
      expect(pemCertificates(42)).toBeUndefined();
    });
  });
});

import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Controller, Get, INestApplication, Injectable, Module } from '@nestjs/common';
import { HttpService } from '@nestjs/axios';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AxiosError } from 'axios';
import { firstValueFrom } from 'rxjs';
import { KeycloakAuthModule } from '../../nest/keycloak-auth.module';
import { LocalIdp } from '../../testing/local-idp';
import { rejectionOf } from '../../../../../test/support/rejection';
import { listenOnLoopback } from '../../../../../test/support/loopback-app';
import { KeycloakHttpModule } from './keycloak-http.module';
import { startS2sIdp } from '../../../../../test/support/s2s-idp';

/** The next service on loopback: answers 401 to the first `refusals` requests, and records every Authorization. */
class Callee {
  readonly authorizations: string[] = [];
  refusals = 0;
  private readonly server: Server = createServer((req, res) => {
    this.authorizations.push(req.headers.authorization ?? '');
    const refuse = this.refusals > 0;
    if (refuse) this.refusals--;
    res.writeHead(refuse ? 401 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: !refuse }));
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const callee = new Callee();

/** What a module of the service gets injected: its registration's HttpService. */
@Injectable()
class OwnTokenClient {
  constructor(readonly http: HttpService) {}
}

/** The same, in the module that asks for extra scopes. */
@Injectable()
class ScopedTokenClient {
  constructor(readonly http: HttpService) {}
}

/** The same, in the module that exchanges; also called outside any request. */
@Injectable()
class ExchangeClient {
  constructor(readonly http: HttpService) {}
}

// An outgoing call made while handling a request.
@Controller()
class ExchangeController {
  constructor(private readonly http: HttpService) {}

  @Get('delegated')
  async delegated() {
    return (await firstValueFrom(this.http.get<{ ok: boolean }>(`${callee.url}/work`))).data;
  }
}

@Module({
  imports: [KeycloakHttpModule.register({ token: 'client-credentials', timeout: 2000 })],
  providers: [OwnTokenClient],
})
class OwnTokenModule {}

@Module({
  imports: [KeycloakHttpModule.register({ token: { clientCredentials: { scope: 'reports.write' } } })],
  providers: [ScopedTokenClient],
})
class ScopedTokenModule {}

@Module({
  imports: [
    KeycloakHttpModule.register({ token: { exchange: { audience: 'service-c', scope: 'analytics.run' } } }),
  ],
  controllers: [ExchangeController],
  providers: [ExchangeClient],
})
class ExchangeModule {}

describe('KeycloakHttpModule', () => {
  let idp: LocalIdp;
  let app: INestApplication;
  let base: string;
  // Counted across tests: a token issued in one test is never issued again in the next.
  let issued = 0;
  const own = () => app.get(OwnTokenClient).http;

  beforeAll(async () => {
    idp = await startS2sIdp();
    await callee.start();
    const moduleRef = await Test.createTestingModule({
      imports: [
        KeycloakAuthModule.forRoot({ ...idp.moduleOptions({ http: { timeoutMs: 1000 } }), isGlobal: true }),
        OwnTokenModule,
        ScopedTokenModule,
        ExchangeModule,
      ],
    }).compile();
    app = moduleRef.createNestApplication(new FastifyAdapter());
    base = await listenOnLoopback(app);
  });
  afterAll(async () => {
    await app.close();
    await callee.stop();
    await idp.stop();
  });
  beforeEach(() => {
    // Client credentials answer `cc-<n>`, exchanges `ex-<n>`: the callee's log shows which token it got.
    idp.tokenAnswer = (form) => ({
      status: 200,
      body: {
        access_token: `${form.get('grant_type') === 'client_credentials' ? 'cc' : 'ex'}-${++issued}`,
        token_type: 'Bearer',
        expires_in: 300,
      },
    });
    idp.forms.token.length = 0;
    callee.authorizations.length = 0;
    callee.refusals = 0;
  });

  it("sends the service's own client-credentials token and reuses it from the provider's cache", async () => {
    await firstValueFrom(own().get(`${callee.url}/one`));
    await firstValueFrom(own().get(`${callee.url}/two`));
    expect(callee.authorizations).toEqual([`Bearer cc-${issued}`, `Bearer cc-${issued}`]);
    expect(idp.forms.token).toHaveLength(1);
    expect(idp.forms.token[0].get('grant_type')).toBe('client_credentials');
  });

  it('on a 401 drops the cached token, fetches a fresh one and retries once', async () => {
    await firstValueFrom(own().get(`${callee.url}/prime`));
    const before = idp.forms.token.length;
    const stale = callee.authorizations.at(-1);
    callee.refusals = 1;
    callee.authorizations.length = 0;
    const res = await firstValueFrom(own().get<{ ok: boolean }>(`${callee.url}/work`));
    expect(res.status).toBe(200);
    expect(callee.authorizations).toHaveLength(2);
    expect(callee.authorizations[0]).toBe(stale);
    expect(callee.authorizations[1]).toMatch(/^Bearer cc-\d+$/);
    expect(callee.authorizations[1]).not.toBe(stale);
    expect(idp.forms.token.length - before).toBe(1);
    expect(idp.forms.token.at(-1)?.get('grant_type')).toBe('client_credentials');
  });

  it('retries a request refused twice only once, and rejects with the second 401', async () => {
    callee.refusals = 5;
    const error = (await rejectionOf(firstValueFrom(own().get(`${callee.url}/work`)))) as AxiosError;
    expect(error.response?.status).toBe(401);
    expect(callee.authorizations).toHaveLength(2);
    expect(callee.authorizations[0]).not.toBe(callee.authorizations[1]);
  });

  it('sends a request with its own Authorization header as it is, and does not retry it', async () => {
    callee.refusals = 1;
    const error = (await rejectionOf(
      firstValueFrom(own().get(`${callee.url}/work`, { headers: { Authorization: 'Bearer mine' } })),
    )) as AxiosError;
    expect(error.response?.status).toBe(401);
    expect(callee.authorizations).toEqual(['Bearer mine']);
  });

  it('passes on errors that are not a 401 without a retry', async () => {
    const error = (await rejectionOf(firstValueFrom(own().get('http://127.0.0.1:1/closed')))) as AxiosError;
    expect(error.code).toBe('ECONNREFUSED');
    expect(callee.authorizations).toEqual([]);
  });

  it('asks for the configured extra scopes with { clientCredentials: { scope } }', async () => {
    const scoped = app.get(ScopedTokenClient).http;
    await firstValueFrom(scoped.get(`${callee.url}/work`));
    expect(idp.forms.token.at(-1)?.get('scope')).toBe('reports.write');
    expect(callee.authorizations.at(-1)).toMatch(/^Bearer cc-\d+$/);
  });

  it("sends the current request's token exchanged for the target, and re-exchanges once on a 401", async () => {
    const incoming = await idp.issue();
    const call = () => fetch(`${base}/delegated`, { headers: { authorization: `Bearer ${incoming}` } });
    expect((await call()).status).toBe(200);
    const exchange = idp.forms.token.at(-1);
    expect(exchange?.get('subject_token')).toBe(incoming);
    expect(exchange?.get('audience')).toBe('service-c');
    expect(exchange?.get('scope')).toBe('analytics.run');
    const first = callee.authorizations.at(-1);
    expect(first).toMatch(/^Bearer ex-\d+$/);

    callee.refusals = 1;
    callee.authorizations.length = 0;
    const before = idp.forms.token.length;
    expect((await call()).status).toBe(200);
    expect(callee.authorizations[0]).toBe(first);
    expect(callee.authorizations[1]).toMatch(/^Bearer ex-\d+$/);
    expect(callee.authorizations[1]).not.toBe(first);
    expect(idp.forms.token.length - before).toBe(1);
    expect(idp.forms.token.at(-1)?.get('subject_token')).toBe(incoming);
  });

  it('refuses an exchange outside a request with token_missing, before calling anyone', async () => {
    const exchanging = app.get(ExchangeClient).http;
    const error = await rejectionOf(firstValueFrom(exchanging.get(`${callee.url}/work`)));
    expect(error.code).toBe('token_missing');
    expect(callee.authorizations).toEqual([]);
  });
});

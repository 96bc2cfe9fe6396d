import { Controller, Get, INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { ADAPTERS, get, listenOnLoopback } from '../../../../test/support/loopback-app';
import { KeycloakAuthModule } from './keycloak-auth.module';
import { LocalIdp } from '../testing/local-idp';
import { startS2sIdp } from '../../../../test/support/s2s-idp';

@Controller()
class OrdersController {
  @Get('orders')
  list() {
    return { ok: true };
  }
}

describe.each(ADAPTERS)('a caller past introspection.missesPerMinute (%s)', (adapter) => {
  let idp: LocalIdp;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    idp = await startS2sIdp();
    const moduleRef = await Test.createTestingModule({
      imports: [
        KeycloakAuthModule.forRoot(
          idp.moduleOptions({
            mode: 'introspection',
            introspection: { missesPerMinute: 2 },
            http: { timeoutMs: 1000 },
          }),
        ),
      ],
      controllers: [OrdersController],
    }).compile();
    app = moduleRef.createNestApplication(
      adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(),
      {
        logger: false,
      },
    );
    base = await listenOnLoopback(app);
  });
  afterAll(async () => {
    await app.close();
    await idp.stop();
  });

  it('gets 429 too_many_requests with Retry-After and no challenge, and Keycloak is not asked', async () => {
    for (let i = 0; i < 2; i++) {
      const token = await idp.issue();
      idp.introspectAnswer = LocalIdp.activeAnswer(token);
      expect((await get(base, '/orders', `Bearer ${token}`)).status).toBe(200);
    }
    const before = idp.requests.introspect;
    const res = await fetch(`${base}/orders`, { headers: { authorization: `Bearer ${await idp.issue()}` } });
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(await res.json()).toMatchObject({
      statusCode: 429,
      error: 'too_many_requests',
      code: 'introspection_rate_limited',
    });
    expect(idp.requests.introspect).toBe(before);
  });
});

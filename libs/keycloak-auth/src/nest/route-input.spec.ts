import {
  Body,
  Controller,
  INestApplication,
  Param,
  ParseIntPipe,
  Post,
  UsePipes,
  ValidationPipe,
} from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { IsInt, Min } from 'class-validator';
import { ADAPTERS, AdapterName, listenOnLoopback } from '../../../../test/support/loopback-app';
import { KeycloakAuthModule } from './keycloak-auth.module';
import { LocalIdp } from '../testing/local-idp';
import { ExchangedToken, ExchangeToken } from './exchange-token.decorator';
import { startS2sIdp } from '../../../../test/support/s2s-idp';
import { TokenExchangeService } from '../client/token-exchange.service';

class OrderDto {
  @Min(1)
  @IsInt()
  order_id!: number;
}

@Controller('orders')
class OrdersController {
  @ExchangeToken({ audience: 'service-c' })
  @Post()
  create(@Body() order: OrderDto, @ExchangedToken() token: string) {
    return { order, token };
  }

  @ExchangeToken({ audience: 'service-c' })
  @UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }))
  @Post(':id')
  update(
    @Param('id', new ParseIntPipe()) id: number,
    @Body() order: OrderDto,
    @ExchangedToken() token: string,
  ) {
    return { id, order, token };
  }
}

async function startApp(
  idp: LocalIdp,
  adapter: AdapterName,
  exchange?: Partial<TokenExchangeService>,
): Promise<INestApplication> {
  const builder = Test.createTestingModule({
    imports: [KeycloakAuthModule.forRoot(idp.moduleOptions({ http: { timeoutMs: 1000 } }))],
    controllers: [OrdersController],
  });
  if (exchange) builder.overrideProvider(TokenExchangeService).useValue(exchange);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication(
    adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(),
    {
      logger: false,
    },
  );
  app.useGlobalPipes(new ValidationPipe({ transform: true }));
  return app;
}

describe.each(ADAPTERS)('@ExchangeToken validates the request before it exchanges (%s)', (adapter) => {
  let idp: LocalIdp;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    idp = await startS2sIdp();
    idp.tokenAnswer = {
      status: 200,
      body: { access_token: 'token-for-c', token_type: 'Bearer', expires_in: 300 },
    };
    app = await startApp(idp, adapter);
    base = await listenOnLoopback(app);
  });
  afterAll(async () => {
    await app.close();
    await idp.stop();
  });

  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await idp.issue()}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('a body the global pipe refuses: 400, and no exchange at Keycloak', async () => {
    const before = idp.requests.token;
    const res = await post('/orders', { order_id: 0 });
    expect(res.status).toBe(400);
    expect(idp.requests.token - before).toBe(0);
  });

  it("a path parameter its own pipe refuses, or a body the handler's @UsePipes refuses: 400, no exchange", async () => {
    const before = idp.requests.token;
    expect((await post('/orders/abc', { order_id: 1 })).status).toBe(400);
    expect((await post('/orders/7', { order_id: 1, admin: true })).status).toBe(400);
    expect(idp.requests.token - before).toBe(0);
  });

  it('a token whose exchange is cached is not validated twice: its bad body is refused by Nest, still 400', async () => {
    const token = await idp.issue();
    const send = (body: unknown) =>
      fetch(`${base}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
    const before = idp.requests.token;
    expect((await send({ order_id: 3 })).status).toBe(201);
    expect((await send({ order_id: 0 })).status).toBe(400);
    const again = await send({ order_id: 4 });
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual({ order: { order_id: 4 }, token: 'token-for-c' });
    expect(idp.requests.token - before).toBe(1);
  });

  it('a TokenExchangeService stand-in of its own without cachedExchange still has its exchange used', async () => {
    const standIn = await startApp(idp, adapter, {
      exchange: () => Promise.resolve('from-the-stand-in'),
      cached: () => true,
    });
    try {
      const res = await fetch(`${await listenOnLoopback(standIn)}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await idp.issue()}` },
        body: JSON.stringify({ order_id: 1 }),
      });
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({ order: { order_id: 1 }, token: 'from-the-stand-in' });
    } finally {
      await standIn.close();
    }
  });

  it('a valid request is exchanged once and the handler sees the pipes’ output', async () => {
    const before = idp.requests.token;
    expect(await post('/orders', { order_id: 5 })).toEqual({
      status: 201,
      body: { order: { order_id: 5 }, token: 'token-for-c' },
    });
    expect(await post('/orders/7', { order_id: 2 })).toEqual({
      status: 201,
      body: { id: 7, order: { order_id: 2 }, token: 'token-for-c' },
    });
    expect(idp.requests.token - before).toBe(2);
  });
});

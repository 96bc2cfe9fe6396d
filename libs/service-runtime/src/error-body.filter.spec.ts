import { BadRequestException, Controller, Get, INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { ErrorBodyFilter } from './error-body.filter';
import { TooManyRequestsException } from './too-many-requests.exception';
import { StoreUnavailableException } from './store-unavailable.exception';
import { listenOnLoopback } from '../../../test/support/loopback-app';

@Controller()
class FailingController {
  @Get('bug')
  bug() {
    throw new Error('db password is hunter2');
  }

  @Get('refused')
  refused() {
    throw new BadRequestException({
      statusCode: 400,
      error: 'invalid_request',
      message: 'order_id is missing',
    });
  }

  @Get('plain')
  plain() {
    throw new BadRequestException('just a sentence');
  }

  @Get('store-down')
  storeDown() {
    throw new StoreUnavailableException('the store of login attempts (Redis)');
  }

  @Get('busy')
  busy() {
    throw new TooManyRequestsException(2.2, 'too many logins');
  }
}

describe('ErrorBodyFilter', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [FailingController] }).compile();
    app = moduleRef.createNestApplication(new FastifyAdapter({ genReqId: () => 'req-1' }), { logger: false });
    app.useGlobalFilters(new ErrorBodyFilter());
    base = await listenOnLoopback(app);
  });

  afterAll(() => app.close());

  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('answers an unexpected error with a plain 500 and the request id: no message, no stack', async () => {
    const res = await get('/bug');
    expect(res).toEqual({
      status: 500,
      body: { statusCode: 500, error: 'internal_error', message: 'internal error', request_id: 'req-1' },
    });
  });

  it('keeps an HTTP error body as it is and adds the request id', async () => {
    expect(await get('/refused')).toEqual({
      status: 400,
      body: {
        statusCode: 400,
        error: 'invalid_request',
        message: 'order_id is missing',
        request_id: 'req-1',
      },
    });
  });

  it('answers a 429 with Retry-After in whole seconds, the same value as the body', async () => {
    const res = await fetch(`${base}/busy`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(await res.json()).toEqual({
      statusCode: 429,
      error: 'too_many_requests',
      message: 'too many logins; retry after 3 s',
      retry_after: 3,
      request_id: 'req-1',
    });
    expect((await fetch(`${base}/refused`)).headers.get('retry-after')).toBeNull();
  });

  it('answers a store that cannot answer with 503 store_unavailable and Retry-After', async () => {
    const res = await fetch(`${base}/store-down`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toEqual({
      statusCode: 503,
      error: 'store_unavailable',
      message: 'the store of login attempts (Redis) cannot be reached; try again shortly',
      retry_after: 1,
      request_id: 'req-1',
    });
  });

  it('keeps the status and text of an error built from a sentence', async () => {
    const res = await get('/plain');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ message: 'just a sentence', request_id: 'req-1' });
  });
});

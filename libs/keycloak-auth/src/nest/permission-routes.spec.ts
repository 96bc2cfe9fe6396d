import { Controller, Get, INestApplication, Module, Post, Type } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { startS2sIdp } from '../../../../test/support/s2s-idp';
import type { LocalIdp } from '../testing/local-idp';
import { KeycloakAuthModule } from './keycloak-auth.module';
import { KeycloakAuthzModule } from './keycloak-authz.module';
import { RequirePermission } from './require-permission.decorator';

// A @RequirePermission resource naming a route parameter (`order:{id}`) is checked against its route's path when
// the application starts: a parameter the route does not have stops the start, naming controller, handler and
// parameter, instead of answering 500 to every request.

@Controller('orders')
class MisnamedController {
  @RequirePermission('order:{orderId}', 'approve')
  @Post(':id/approve')
  approve() {
    return { ok: true };
  }
}

@RequirePermission('tenant:{tenant}', 'read')
@Controller()
class TenantWideController {
  @Get('tenants/:tenant/orders')
  list() {
    return { ok: true };
  }

  @Get('orders')
  all() {
    return { ok: true };
  }
}

@Controller('tenants/:tenant/orders')
class ByControllerPathController {
  @RequirePermission('order:{tenant}:{id}', 'read')
  @Get(':id')
  one() {
    return { ok: true };
  }
}

@Controller('orders')
class ByPrefixController {
  @RequirePermission('tenant:{tenant}', 'read')
  @Get()
  list() {
    return { ok: true };
  }
}

@Module({ controllers: [ByPrefixController] })
class RoutedModule {}

let idp: LocalIdp;
beforeAll(async () => {
  idp = await startS2sIdp();
});
afterAll(() => idp?.stop());

/** Starts (without listening) an application of `controllers` and `imports`, with `prefix` as its global prefix. */
async function start(
  { controllers = [], imports = [] }: { controllers?: Type[]; imports?: Type[] | object[] },
  prefix?: string,
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      KeycloakAuthModule.forRoot(idp.moduleOptions()),
      KeycloakAuthzModule.forRoot({}),
      ...(imports as Type[]),
    ],
    controllers,
  }).compile();
  const app = moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
  if (prefix) app.setGlobalPrefix(prefix);
  await app.init();
  return app;
}

/** The error the start of an application of `controllers` failed with (none: the test fails). */
async function startError(controllers: Type[]): Promise<Error> {
  const error = await start({ controllers }).then(
    async (app) => {
      await app.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('@RequirePermission route parameters, checked at startup', () => {
  it('a parameter the route does not have: the application does not start; the error names controller, handler and parameter', async () => {
    const before = idp.requests.token;
    const error = await startError([MisnamedController]);
    expect(error.message).toBe(
      `keycloak-auth: MisnamedController.approve: @RequirePermission('order:{orderId}') names route parameter "orderId", which the route does not have`,
    );
    expect(idp.requests.token).toBe(before); // nothing asked of Keycloak
  });

  it('on a controller: every route must have it, and the error names each handler that has not', async () => {
    const error = await startError([TenantWideController]);
    expect(error.message).toBe(
      `keycloak-auth: TenantWideController.all: @RequirePermission('tenant:{tenant}') names route parameter "tenant", which the route does not have`,
    );
  });

  it('a parameter of the controller path, of the global prefix or of a RouterModule path: the application starts', async () => {
    const apps = [
      await start({ controllers: [ByControllerPathController] }),
      await start({ controllers: [ByPrefixController] }, 'tenants/:tenant'),
      await start({
        imports: [RoutedModule, RouterModule.register([{ path: 'tenants/:tenant', module: RoutedModule }])],
      }),
    ];
    for (const app of apps) await app.close();
  });

  it('without the parameter anywhere on the path (no prefix, no module path), the same controller does not start', async () => {
    const error = await startError([ByPrefixController]);
    expect(error.message).toContain('ByPrefixController.list');
    expect(error.message).toContain('"tenant"');
  });
});

import { Controller, Get, INestApplication, Req } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { get, listenOnLoopback } from '../../../../test/support/loopback-app';
import { KEEP_VERIFIED_TOKENS } from '../core/constants';
import { LocalIdp } from '../testing/local-idp';
import { verifiedBearerToken } from './bearer-token';
import { KeycloakAuthModule } from './keycloak-auth.module';
import { startS2sIdp } from '../../../../test/support/s2s-idp';

/** A route without `@ExchangeToken`: does the guard keep its request's verified token? */
@Controller()
class KeptController {
  @Get('kept')
  kept(@Req() request: object) {
    return { kept: verifiedBearerToken(request) !== undefined };
  }
}

describe('KEEP_VERIFIED_TOKENS: one application keeps every route verified token, not the process', () => {
  let idp: LocalIdp;
  const apps: INestApplication[] = [];

  const start = async (keep: boolean) => {
    const moduleRef = await Test.createTestingModule({
      imports: [KeycloakAuthModule.forRoot(idp.moduleOptions())],
      controllers: [KeptController],
      providers: keep ? [{ provide: KEEP_VERIFIED_TOKENS, useValue: true }] : [],
    }).compile();
    const app = moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
    apps.push(app);
    return listenOnLoopback(app);
  };

  beforeAll(async () => {
    idp = await startS2sIdp();
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await idp.stop();
  });

  it('keeps it on every route of the application that provides the token, and only there', async () => {
    const keeping = await start(true);
    const plain = await start(false);
    const token = `Bearer ${await idp.issue()}`;
    // A token verified in full is kept either way (that path has it at hand); the rule is the fast path's, where a
    // token verified before is answered from the cache without keeping it unless something will read it.
    for (const base of [keeping, plain]) expect((await get(base, '/kept', token)).status).toBe(200);
    expect(await get(keeping, '/kept', token)).toMatchObject({ status: 200, body: { kept: true } });
    expect(await get(plain, '/kept', token)).toMatchObject({ status: 200, body: { kept: false } });
  });
});

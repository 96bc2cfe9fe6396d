import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createService } from './bootstrap';
import { ServiceDefinition } from './service-definition';
import { loadServiceConfig } from './service-module';

@Controller()
class ProbeController {
  @Get('probe')
  probe() {
    return { reached: true };
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

const PROBE: ServiceDefinition = {
  name: 'probe',
  description: 'A route without @Public().',
  module: ProbeModule,
  defaults: {},
};

/** The probe service in-process (not listening); Keycloak is never reached: no token is ever verified. */
async function probeService(definition: ServiceDefinition): Promise<NestFastifyApplication> {
  const saved = { ...process.env };
  Object.assign(process.env, {
    CLIENT_SECRET: 'probe-secret',
    LOG_LEVEL: 'silent',
    KEYCLOAK_URL: 'http://127.0.0.1:9',
  });
  try {
    const app = await createService(definition, await loadServiceConfig(definition));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    return app;
  } finally {
    process.env = saved;
  }
}

describe('the KeycloakAuthModule options of a service', () => {
  it('guard every route by default: a request without a token is refused', async () => {
    const app = await probeService(PROBE);
    try {
      const res = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/probe' });
      expect(res.statusCode).toBe(401);
      // RFC 6750 §3.1: a request without credentials gets the challenge without an error code.
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="s2s", DPoP realm="s2s", algs="[^"]+"$/);
      expect(JSON.parse(res.body)).toMatchObject({ code: 'token_missing' });
    } finally {
      await app.close();
    }
  });

  it('take the options a definition sets in code on top of the environment', async () => {
    const app = await probeService({ ...PROBE, auth: { globalGuard: false } });
    try {
      const res = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/probe' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ reached: true });
    } finally {
      await app.close();
    }
  });
});

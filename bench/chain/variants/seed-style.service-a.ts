// Scenario 2's service-a: the real module with a fresh client-credentials token per request (seed 000's way).
import 'reflect-metadata';
import fastifyCookie from '@fastify/cookie';
import { runService } from '@app/service-runtime';
import { AppModule } from '../../../apps/service-a/src/app.module';
import { withOverrides } from './app-module-overrides';
import { SEED_STYLE_SERVICE_A } from './seed-style-token.provider';

// As apps/service-a/src/main.ts: the session cookie plugin.
void runService(withOverrides(AppModule, SEED_STYLE_SERVICE_A), 'service-a', async (app) => {
  await app.register(fastifyCookie);
});

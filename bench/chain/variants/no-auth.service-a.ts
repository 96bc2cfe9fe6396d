// Scenario 1's service-a: the real module with the security taken out (no-auth.ts).
import 'reflect-metadata';
import fastifyCookie from '@fastify/cookie';
import { runService } from '@app/service-runtime';
import { AppModule } from '../../../apps/service-a/src/app.module';
import { withOverrides } from './app-module-overrides';
import { NO_AUTH } from './no-auth';

// As apps/service-a/src/main.ts: the session cookie plugin.
void runService(withOverrides(AppModule, NO_AUTH['service-a']), 'service-a', async (app) => {
  await app.register(fastifyCookie);
});

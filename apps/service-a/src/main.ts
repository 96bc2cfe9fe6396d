import 'reflect-metadata';
import fastifyCookie from '@fastify/cookie';
import { runService } from '@app/service-runtime';
import { AppModule } from './app.module';

// The session cookie is read and written through @fastify/cookie.
void runService(AppModule, 'service-a', async (app) => {
  await app.register(fastifyCookie);
});

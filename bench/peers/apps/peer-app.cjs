// The benchmark's single-hop route, the same in every app: `POST /api/process` with `{"value": n}` answers
// `{"service":"peers","result":2n}`. Plain JavaScript (decorators applied by hand), so that each peer folder runs it
// with its own Nest version: `nest` is that folder's `require`. Tells the parent its port over IPC.
'use strict';

/**
 * Builds and starts the app: `guard` adds the library's imports and providers (none for a bare route), the
 * decorators of the route (e.g. a role check) and of its controller (e.g. a resource); `PEER_ADAPTER` (express or
 * fastify) picks the HTTP adapter.
 */
async function startPeerApp(nest, guard = {}) {
  const { Controller, Module, Post, Body, HttpCode } = nest('@nestjs/common');
  const { NestFactory } = nest('@nestjs/core');
  const adapter = process.env.PEER_ADAPTER === 'fastify' ? 'fastify' : 'express';

  class ProcessController {
    process(body) {
      return { service: 'peers', result: Number(body?.value) * 2 };
    }
  }
  const method = Object.getOwnPropertyDescriptor(ProcessController.prototype, 'process');
  Body()(ProcessController.prototype, 'process', 0);
  for (const decorate of [Post('process'), HttpCode(200), ...(guard.routeDecorators ?? [])])
    decorate(ProcessController.prototype, 'process', method);
  for (const decorate of guard.controllerDecorators ?? []) decorate(ProcessController);
  Controller('api')(ProcessController);

  class PeerAppModule {}
  Module({
    imports: guard.imports ?? [],
    controllers: [ProcessController],
    providers: guard.providers ?? [],
  })(PeerAppModule);

  const app =
    adapter === 'fastify'
      ? await NestFactory.create(PeerAppModule, new (nest('@nestjs/platform-fastify').FastifyAdapter)(), {
          logger: ['error'],
        })
      : await NestFactory.create(PeerAppModule, { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address();
  const framework = nest('@nestjs/core/package.json').version;
  process.send?.({ type: 'ready', port, framework, adapter });
  // The parent going away (normally or not) ends the app too.
  process.on('disconnect', () => void app.close().then(() => process.exit(0)));
}

/** Runs `startPeerApp`, printing a failure as one line and exiting 1. */
function runPeerApp(nest, guard) {
  startPeerApp(nest, guard).catch((error) => {
    console.error(`peer app failed to start: ${error.message}`);
    process.exit(1);
  });
}

module.exports = { runPeerApp };

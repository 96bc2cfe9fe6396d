import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamicModule, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger as PinoLogger } from 'nestjs-pino';
import { ErrorBodyFilter } from './error-body.filter';
import { idOf } from './logging';
import { HttpMetrics } from './metrics/http-metrics';
import { setupOpenApi } from './openapi/openapi';
import { REQUEST_ID_HEADER, withRequestId } from './request-context';
import { ServiceDefinition } from './service-definition';
import { ServiceEnv } from './service-env';
import { loadServiceConfig, serviceModule } from './service-module';
import { ShutdownState } from './shutdown';
import { strictValidationPipe } from './validation.pipe';

/** Largest request body a service accepts; the chain's bodies are a few dozen bytes. */
const BODY_LIMIT_BYTES = 16 * 1024;

/**
 * Starts a service. A bad environment is refused before Nest starts, with one line on stderr naming each bad key
 * (`service-b: cannot start: Invalid configuration: PORT must be …`) and exit code 1; so is any other failure to
 * start (port taken). SIGTERM or SIGINT drain it: see {@link drainOnSignals}.
 */
export async function runService(definition: ServiceDefinition): Promise<void> {
  let app: NestFastifyApplication | undefined;
  try {
    const config = await loadServiceConfig(definition);
    app = await createService(definition, config);
    const env = app.get(ConfigService<ServiceEnv, true>);
    await app.listen(env.get('PORT', { infer: true }), env.get('HOST', { infer: true }));
    drainOnSignals(app, definition.name, env.get('SHUTDOWN_DELAY_MS', { infer: true }));
    new Logger(definition.name).log(
      `listening on ${await app.getUrl()} (AUTH_MODE=${env.get('AUTH_MODE', { infer: true })})`,
    );
  } catch (error) {
    process.stderr.write(`${definition.name}: cannot start: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

/**
 * Creates a service, ready to listen, on the Fastify adapter (≈2.9× Express's throughput for this chain, see the
 * README): request ids, error bodies, strict validation, request metrics and `/docs`. `config` is the module of
 * {@link loadServiceConfig}.
 */
export async function createService(
  definition: ServiceDefinition,
  config: DynamicModule,
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    serviceModule(definition, config),
    new FastifyAdapter({
      bodyLimit: BODY_LIMIT_BYTES,
      genReqId: (req: unknown) => idOf(req as IncomingMessage),
    }),
    { abortOnError: false, bufferLogs: true },
  );
  app.useLogger(app.get(PinoLogger));
  const fastify = app.getHttpAdapter().getInstance();
  // The request's id: answered in `x-request-id`, and current for the whole request (the next hop gets it).
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    withRequestId(request.id, done);
  });
  const http = app.get(HttpMetrics);
  fastify.addHook('onResponse', (request, reply, done) => {
    http.observe(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime);
    done();
  });
  // While draining, every answer closes its connection: a keep-alive connection would otherwise hold the closing
  // server open until its idle timeout (Fastify's is 72 s) after its last request was answered.
  const shutdown = app.get(ShutdownState);
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (shutdown.draining) void reply.header('connection', 'close');
    done(null, payload);
  });
  app.useGlobalFilters(new ErrorBodyFilter());
  // No text/plain parser: such a body is answered 415 by Fastify instead of reaching validation as a string.
  // JSON and form bodies (service-a's page posts forms) are parsed and then validated.
  fastify.removeContentTypeParser(['text/plain']);
  app.useGlobalPipes(strictValidationPipe());
  await definition.setup?.(app);
  setupOpenApi(app, definition);
  return app;
}

/**
 * Graceful shutdown on SIGTERM (and SIGINT, Ctrl-C): readiness answers 503 at once; after `delayMs` (time for
 * the load balancer to notice) the listener closes, so new connections are refused while the requests under way
 * finish (Fastify's close; a request arriving on an open keep-alive connection gets 503); then Nest's shutdown
 * hooks run (connection pools close) and the process exits 0 — 1 if closing failed.
 */
function drainOnSignals(app: NestFastifyApplication, name: string, delayMs: number): void {
  const logger = new Logger(name);
  const state = app.get(ShutdownState);
  const drain = async (signal: NodeJS.Signals) => {
    if (state.draining) return; // SIGINT after SIGTERM: one drain is enough
    state.drain(signal);
    logger.log(`${signal}: draining, readiness answers 503; closing the listener in ${delayMs} ms`);
    try {
      await sleep(delayMs);
      await app.close();
      logger.log('drained: every request under way was answered; exiting');
      process.exit(0);
    } catch (error) {
      logger.error(`shutdown failed: ${(error as Error).message}`);
      process.exit(1);
    }
  };
  process.once('SIGTERM', drain);
  process.once('SIGINT', drain);
}

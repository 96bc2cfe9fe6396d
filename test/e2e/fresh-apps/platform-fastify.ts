import { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';

/** The app on Fastify, logging only warnings and errors. */
export function createApp(module: DynamicModule): Promise<INestApplication> {
  return NestFactory.create(module, new FastifyAdapter(), { logger: ['error', 'warn'] });
}

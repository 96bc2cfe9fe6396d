import { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

/** The app on Express (Nest's default platform), logging only warnings and errors. */
export function createApp(module: DynamicModule): Promise<INestApplication> {
  return NestFactory.create(module, { logger: ['error', 'warn'] });
}

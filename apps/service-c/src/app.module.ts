import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@app/service-runtime';
import { ComputeController } from './compute.controller';

/** service-c's own part: the computation. */
@Module({ controllers: [ComputeController] })
export class AppModule {}

/** service-c: validates the exchanged token and computes. */
export const SERVICE_C: ServiceDefinition = {
  name: 'service-c',
  description: 'The last hop: computes for service-b, with a token service-b obtained by token exchange.',
  module: AppModule,
  defaults: { PORT: '3002' },
};

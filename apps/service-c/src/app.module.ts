import { Module } from '@nestjs/common';
import { HealthController, serviceImports } from '@app/service-runtime';
import { ComputeController } from './compute.controller';

/** service-c: validates the exchanged token and computes. */
@Module({
  imports: serviceImports({ CLIENT_ID: 'service-c', PORT: '3002' }),
  controllers: [ComputeController, HealthController],
})
export class AppModule {}

import { Module } from '@nestjs/common';
import { downstreamClientProvider, HealthController, serviceImports } from '@app/service-runtime';
import { ChainController } from './chain.controller';
import { ChainService, SERVICE_B } from './chain.service';

/** service-a: obtains its own token and calls service-b. */
@Module({
  imports: serviceImports(
    {
      CLIENT_ID: 'service-a',
      PORT: '3000',
      SERVICE_B_URL: 'http://localhost:3001',
    },
    ['SERVICE_B_URL'],
  ),
  controllers: [ChainController, HealthController],
  providers: [ChainService, downstreamClientProvider(SERVICE_B, 'service-b', 'SERVICE_B_URL')],
})
export class AppModule {}

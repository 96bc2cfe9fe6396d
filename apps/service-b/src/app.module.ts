import { Module } from '@nestjs/common';
import { downstreamClientProvider, HealthController, serviceImports } from '@app/service-runtime';
import { OrdersService, SERVICE_C } from './orders.service';
import { ProcessController } from './process.controller';

/** service-b: validates service-a's token, exchanges it (RFC 8693) and calls service-c. */
@Module({
  imports: serviceImports(
    {
      CLIENT_ID: 'service-b',
      PORT: '3001',
      SERVICE_C_URL: 'http://localhost:3002',
    },
    ['SERVICE_C_URL'],
  ),
  controllers: [ProcessController, HealthController],
  providers: [OrdersService, downstreamClientProvider(SERVICE_C, 'service-c', 'SERVICE_C_URL')],
})
export class AppModule {}

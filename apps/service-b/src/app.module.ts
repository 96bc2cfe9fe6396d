import { Module } from '@nestjs/common';
import { downstreamClientProvider, ServiceDefinition } from '@app/service-runtime';
import { OrdersService, SERVICE_C } from './orders.service';
import { ProcessController } from './process.controller';
import { QuoteController } from './quote.controller';

/** service-b's own part: processing orders and calling service-c, and quoting them (DPoP only). */
@Module({
  controllers: [ProcessController, QuoteController],
  providers: [OrdersService, downstreamClientProvider(SERVICE_C)],
})
export class AppModule {}

/** service-b: validates service-a's token, exchanges it (RFC 8693) and calls service-c. */
export const SERVICE_B: ServiceDefinition = {
  name: 'service-b',
  description:
    "Processes orders for service-a or a user, then asks service-c to compute with the caller's token exchanged (RFC 8693).",
  module: AppModule,
  defaults: { PORT: '3001', SERVICE_C_URL: 'http://localhost:3002' },
  nextHop: { name: 'service-c', urlKey: 'SERVICE_C_URL' },
};

import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { KeycloakAuthzModule } from 'nest-keycloak-s2s/authz';
import { downstreamClientProvider, EnvReader, ServiceDefinition } from '@app/service-runtime';
import { ApproveController } from './approve.controller';
import { OrdersService, SERVICE_C } from './orders.service';
import { ProcessController } from './process.controller';
import { QuoteController } from './quote.controller';

/** service-b's own environment keys. */
export interface ServiceBEnv {
  /** Longest time a permission decision of Keycloak is reused for one token, in seconds. Default 30. */
  AUTHZ_DECISION_TTL: number;
}

/** Reads service-b's own keys (the definition's `env`). */
export function serviceBEnv(read: EnvReader): ServiceBEnv {
  return { AUTHZ_DECISION_TTL: read.int('AUTHZ_DECISION_TTL', 30, 0) };
}

/**
 * service-b's own part: processing orders and calling service-c, quoting them (DPoP only), and approving them
 * (a permission Keycloak's Authorization Services decide, service-b being the resource server).
 */
@Module({
  imports: [
    KeycloakAuthzModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (env: ConfigService<ServiceBEnv, true>) => ({
        decisionCacheTtlSec: env.get('AUTHZ_DECISION_TTL', { infer: true }),
        // Policies may read the request's method (pushed with each decision). Not its path: decisions are cached
        // per pushed claims, and the path names the order, so each order would cost one more call to Keycloak.
        claims: { method: true },
      }),
    }),
  ],
  controllers: [ProcessController, QuoteController, ApproveController],
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
  env: serviceBEnv,
};

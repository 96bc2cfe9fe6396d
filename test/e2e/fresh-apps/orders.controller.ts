import { Controller, Get } from '@nestjs/common';
import { ExchangedToken, ExchangeToken, Public, RequireScopes } from 'nest-keycloak-s2s';

/** A service-b of a user's own: one route per rule the global guard enforces, and one that exchanges the token. */
@Controller()
export class OrdersController {
  @Public()
  @Get('health/live')
  live() {
    return { status: 'ok' };
  }

  @Get('orders')
  @RequireScopes('orders.read')
  orders() {
    return { orders: [] };
  }

  // No client of the realm is granted orders.write: every caller is refused with insufficient_scope.
  @Get('orders/write')
  @RequireScopes('orders.write')
  write() {
    return { written: true };
  }

  @Get('analytics')
  @RequireScopes('orders.read')
  @ExchangeToken({ audience: 'service-c', scope: 'analytics.run service-c-audience' })
  analytics(@ExchangedToken() serviceCToken: string) {
    return JSON.parse(Buffer.from(serviceCToken.split('.')[1], 'base64url').toString()) as Record<
      string,
      unknown
    >;
  }
}

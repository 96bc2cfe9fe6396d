import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  CurrentPrincipal,
  ExchangedToken,
  ExchangeToken,
  Principal,
  RequireScopes,
  Roles,
} from 'nest-keycloak-s2s';
import { OrdersService } from './orders.service';
import { ApiErrorResponses } from '@app/service-runtime';
import { ChainAnswer, OrderRequestDto } from '@app/chain';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';

/**
 * What service-b asks Keycloak for when it calls service-c, and no more (least privilege): scope analytics.run plus
 * the optional client scope whose audience mapper puts service-c into `aud` (Keycloak's audience parameter only
 * narrows the audiences the requested scopes produce; it does not add any). Keycloak writes service-b's default
 * scopes into every exchanged token and its optional ones only when asked, so service-b's own orders.approve and
 * inventory.adjust are optional in the realm and not asked for here: the token carries `analytics.run profile`.
 * The token is bound to service-b's DPoP key (RFC 9449): a copy of it is useless to anyone without that key.
 */
export const SERVICE_C_TARGET = {
  audience: 'service-c',
  scope: 'analytics.run service-c-audience',
  dpop: true,
};

/**
 * Who may have orders processed: a user holding the realm role `orders-user`, or a service whose service account
 * holds service-b's client role `process-orders` (service-a's does). Both are granted by Keycloak's admins.
 */
export const ORDER_ROLES = ['orders-user', 'service-b:process-orders'];

/**
 * service-b: accepts tokens meant for it that carry orders.read and one of {@link ORDER_ROLES}, then exchanges
 * them for service-c.
 */
@Controller('api')
export class ProcessController {
  constructor(private readonly orders: OrdersService) {}

  @Post('process')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Processes an order, then asks service-c to compute',
    description:
      "The caller's token is exchanged (RFC 8693) for one meant for service-c, bound to service-b's DPoP key. A bearer token only: Keycloak does not exchange a DPoP-bound one.",
  })
  @ApiOkResponse({ type: ChainAnswer })
  @ApiErrorResponses(400, 502, 504)
  @RequireScopes('orders.read')
  @Roles(...ORDER_ROLES)
  @ExchangeToken(SERVICE_C_TARGET)
  process(
    @Body() order: OrderRequestDto,
    @CurrentPrincipal() caller: Principal,
    @ExchangedToken() serviceCToken: string,
  ) {
    return this.orders.process(order, caller, serviceCToken);
  }
}

import { ApiProperty, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CurrentPrincipal, Principal, RequireScopes, Roles } from 'nest-keycloak-s2s';
import { Dpop } from 'nest-keycloak-s2s/dpop';
import { ApiErrorResponses } from '@app/service-runtime';
import { Hop, hopOf, OrderRequestDto } from '@app/chain';
import { ORDER_ROLES } from './process.controller';

/** Answer of `POST /api/quote`: what service-b would charge, and what it saw of the caller. */
export class QuoteAnswer {
  @ApiProperty({ example: 'Order 9876 quoted by Service B: 1500' })
  service_b!: string;

  @ApiProperty({ type: Hop })
  hop!: Hop;
}

/**
 * service-b's route that does not call on: it can require a DPoP-bound token (RFC 9449), which a route that
 * exchanges the caller's token cannot while Keycloak refuses to exchange a DPoP-bound subject token.
 */
@Controller('api')
export class QuoteController {
  @Post('quote')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Quotes an order without processing it',
    description:
      'Requires a DPoP-bound token (`Authorization: DPoP <token>` and a `DPoP` proof); a bearer token is refused.',
  })
  @ApiOkResponse({ type: QuoteAnswer })
  @ApiErrorResponses(400)
  @Dpop('required')
  @RequireScopes('orders.read')
  @Roles(...ORDER_ROLES)
  quote(@Body() order: OrderRequestDto, @CurrentPrincipal() caller: Principal): QuoteAnswer {
    return {
      service_b: `Order ${order.order_id} quoted by Service B: ${order.amount}`,
      hop: hopOf('service-b', caller),
    };
  }
}

import { Controller, HttpCode, Param, ParseIntPipe, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, RequireScopes } from 'nest-keycloak-s2s';
import { RequirePermission } from 'nest-keycloak-s2s/authz';
import { ApiErrorResponses } from '@app/service-runtime';
import { Hop, hopOf } from '@app/chain';

/** Answer of `POST /api/orders/:id/approve`. */
export class ApprovalAnswer {
  @ApiProperty({ example: 'Order 9876 approved by Service B' })
  service_b!: string;

  @ApiProperty({ type: Hop })
  hop!: Hop;
}

/**
 * service-b as a resource server of Keycloak's Authorization Services: approving an order needs the permission
 * `order#approve`, which Keycloak decides from the realm's policies (a user with orders-user, or service-a's own
 * service account) — not a scope or role in the token.
 */
@Controller('api')
export class ApproveController {
  @Post('orders/:id/approve')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Approves an order',
    description:
      "Needs orders.read in the token and Keycloak's permission `order#approve` (Authorization Services, UMA grant, cached per token): 403 when Keycloak denies it, 503 when Keycloak cannot be asked.",
  })
  @ApiOkResponse({ type: ApprovalAnswer })
  @ApiErrorResponses(400, 503)
  @RequireScopes('orders.read')
  @RequirePermission('order', 'approve')
  approve(@Param('id', ParseIntPipe) id: number, @CurrentPrincipal() caller: Principal): ApprovalAnswer {
    return { service_b: `Order ${id} approved by Service B`, hop: hopOf('service-b', caller) };
  }
}

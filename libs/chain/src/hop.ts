import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Principal } from 'nest-keycloak-s2s';
import { currentRequestId } from '@app/service-runtime';

/** What one service saw of its caller's token: claims only, never the token. */
export class Hop {
  @ApiProperty({ example: 'service-b' })
  service!: string;

  @ApiProperty({ description: "The token's subject: the user, or service-a's service account" })
  sub!: string;

  @ApiPropertyOptional({ example: 'service-account-service-a' })
  preferred_username?: string;

  @ApiProperty({ description: 'The client that obtained the token (the caller)', example: 'service-a' })
  azp!: string;

  @ApiProperty({ type: [String], example: ['service-b'] })
  aud!: readonly string[];

  @ApiProperty({ example: 'orders.read profile email' })
  scope!: string;

  @ApiProperty({ description: "The token's expiry (seconds since the epoch)", example: 1795427770 })
  exp!: number;

  /** The request id this service served the call under (the same at every hop of one chain request). */
  @ApiPropertyOptional({ description: 'The request id, the same at every hop of one chain request' })
  request_id?: string;
}

/** service-c's result. */
export class ComputeResult {
  @ApiProperty({ example: 20 })
  result!: number;

  @ApiProperty({ example: 'Service C successfully processed request' })
  msg!: string;
}

/** What the chain answers (service-b, and service-a passing it on): each service's result and every hop. */
export class ChainAnswer {
  @ApiProperty({ example: 'Order 9876 processed by Service B' })
  service_b!: string;

  @ApiProperty({ type: ComputeResult })
  service_c!: ComputeResult;

  @ApiProperty({ type: [Hop], description: 'service-b, then service-c' })
  hops!: Hop[];
}

/** The {@link Hop} a service reports for the principal it verified. */
export function hopOf(service: string, principal: Principal): Hop {
  return {
    service,
    sub: principal.subject,
    preferred_username: principal.username,
    azp: principal.clientId,
    aud: principal.audience,
    scope: principal.scopes.join(' '),
    exp: principal.expiresAt,
    request_id: currentRequestId(),
  };
}

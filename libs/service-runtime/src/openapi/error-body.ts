import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import { KEYCLOAK_AUTH_ERROR_CODES } from 'nest-keycloak-s2s/errors';

/** What the next hop answered, in a 502. */
export class UpstreamError {
  @ApiProperty({ example: 'service-c' })
  service!: string;

  @ApiProperty({ example: 403 })
  status!: number;

  @ApiProperty({ nullable: true, type: String, example: 'insufficient_scope' })
  error!: string | null;

  @ApiProperty({ nullable: true, type: String, example: 'token lacks scope analytics.run' })
  message!: string | null;
}

/** The body of every error answer (README, "Errors"). */
export class ErrorBody {
  @ApiProperty({ example: 401 })
  statusCode!: number;

  @ApiProperty({
    example: 'invalid_token',
    description:
      'invalid_token, insufficient_scope, invalid_request, bad_gateway, gateway_timeout, idp_unavailable, …',
  })
  error!: string;

  @ApiProperty({ example: 'token expired' })
  message!: string;

  @ApiPropertyOptional({
    enum: KEYCLOAK_AUTH_ERROR_CODES,
    description: "The authentication library's stable error code (401, 403, 503)",
  })
  code?: string;

  @ApiProperty({ description: 'The request id, also answered in x-request-id', example: 'e2e-1' })
  request_id!: string;

  @ApiPropertyOptional({ type: [String], description: '400: the refused fields', example: ['order_id'] })
  fields?: string[];

  @ApiPropertyOptional({ description: '429: seconds to wait, as in the Retry-After header', example: 1 })
  retry_after?: number;

  @ApiPropertyOptional({ type: UpstreamError, description: '502: what the next hop answered' })
  upstream?: UpstreamError;
}

/** The error answers the chain's services give, and what each means. */
export const ERROR_MEANINGS = {
  400: 'The body failed validation (`fields` names what was refused), or Keycloak refused the credentials',
  401: 'No bearer token, or one that is malformed, expired, forged or meant for another service (RFC 6750 invalid_token)',
  403: 'A valid token without the scope, role or caller this operation requires (RFC 6750 insufficient_scope)',
  429: 'Too many requests from this address or for this username: wait `Retry-After` seconds (also `retry_after`)',
  502: 'The next hop refused or failed, or Keycloak refused this service (`upstream` says what the hop answered)',
  503: 'Keycloak is unreachable: fail closed',
  504: 'The next hop did not answer in time (DOWNSTREAM_TIMEOUT_MS)',
} as const;

/** One of the statuses in {@link ERROR_MEANINGS}. */
export type ErrorStatus = keyof typeof ERROR_MEANINGS;

/** Documents the error answers `statuses` of an operation, each with the {@link ErrorBody} schema. */
export function ApiErrorResponses(...statuses: ErrorStatus[]): MethodDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: ERROR_MEANINGS[status], type: ErrorBody }),
    ),
  );
}

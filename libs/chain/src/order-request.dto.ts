import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNumber, IsOptional, IsPositive, Max, Min } from 'class-validator';

/** Bound of the numbers the chain accepts: their double is still an exact integer in a JS number. */
export const NUMBER_LIMIT = 1e15;

// class-validator runs a property's decorators bottom-up and stops at the first failure, so the type check sits
// closest to the property and is reported first.

/** Body of service-a's `POST /api/chain` and service-b's `POST /api/process`. */
export class OrderRequestDto {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: NUMBER_LIMIT, example: 9876 })
  @Max(NUMBER_LIMIT)
  @Min(1, { message: 'order_id must be greater than 0' })
  @IsInt({ message: 'order_id must be an integer' })
  order_id!: number;

  @ApiProperty({ exclusiveMinimum: true, minimum: 0, maximum: NUMBER_LIMIT, example: 1500 })
  @Max(NUMBER_LIMIT)
  @IsPositive({ message: 'amount must be greater than 0' })
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'amount must be a number' })
  amount!: number;

  /** What service-c computes on; service-b sends 10 when it is missing. */
  @ApiPropertyOptional({
    minimum: -NUMBER_LIMIT,
    maximum: NUMBER_LIMIT,
    default: 10,
    description: 'What service-c doubles',
  })
  @Max(NUMBER_LIMIT)
  @Min(-NUMBER_LIMIT)
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'value must be a number' })
  @IsOptional()
  value?: number;
}

import { ApiProperty } from '@nestjs/swagger';
import { IsNumber, Max, Min } from 'class-validator';
import { ComputeResult, Hop, NUMBER_LIMIT } from '@app/chain';

/** Body of `POST /api/compute`. */
export class ComputeDto {
  @ApiProperty({
    minimum: -NUMBER_LIMIT,
    maximum: NUMBER_LIMIT,
    example: 10,
    description: 'The number to double',
  })
  @Max(NUMBER_LIMIT)
  @Min(-NUMBER_LIMIT)
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'value must be a number' })
  value!: number;
}

/** Answer of `POST /api/compute`: the result, and what service-c saw of its caller. */
export class ComputeAnswer extends ComputeResult {
  @ApiProperty({ type: Hop })
  hop!: Hop;
}

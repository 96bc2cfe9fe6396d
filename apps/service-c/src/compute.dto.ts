import { IsNumber, Max, Min } from 'class-validator';
import { NUMBER_LIMIT } from '@app/service-runtime';

/** Body of `POST /api/compute`. */
export class ComputeDto {
  @Max(NUMBER_LIMIT)
  @Min(-NUMBER_LIMIT)
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'value must be a number' })
  value!: number;
}

import { ArgumentMetadata, BadRequestException } from '@nestjs/common';
import { IsInt, IsNumber, IsOptional } from 'class-validator';
import { MAX_BODY_DEPTH, strictValidationPipe } from './validation.pipe';

/** A body as a service declares one: class-validator decorators on a class. */
class OrderRequestDto {
  @IsInt({ message: 'order_id must be an integer' })
  order_id!: number;

  @IsNumber({}, { message: 'amount must be a number' })
  amount!: number;

  @IsNumber({}, { message: 'value must be a number' })
  @IsOptional()
  value?: number;
}

const asBody: ArgumentMetadata = { type: 'body', metatype: OrderRequestDto };

function nestedArrays(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

async function refusal(body: unknown): Promise<Record<string, unknown>> {
  try {
    await strictValidationPipe().transform(body, asBody);
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    return (error as BadRequestException).getResponse() as Record<string, unknown>;
  }
  throw new Error('the body was accepted');
}

describe('strictValidationPipe', () => {
  it('turns a valid body into the DTO', async () => {
    const order = await strictValidationPipe().transform({ order_id: 1, amount: 2.5 }, asBody);
    expect(order).toBeInstanceOf(OrderRequestDto);
    expect(order).toEqual({ order_id: 1, amount: 2.5 });
  });

  it('names the fields it refuses: a string for a number, an unknown field', async () => {
    expect(await refusal({ order_id: '1', amount: 2, admin: true })).toMatchObject({
      statusCode: 400,
      error: 'invalid_request',
      fields: ['admin', 'order_id'],
    });
  });

  it('refuses 5,000 levels of nesting with a 400 naming the field, not a stack overflow', async () => {
    expect(await refusal({ order_id: 1, amount: 2, value: nestedArrays(5000) })).toEqual({
      statusCode: 400,
      error: 'invalid_request',
      message: `value nested deeper than ${MAX_BODY_DEPTH} levels`,
      fields: ['value'],
    });
  });

  it(`lets ${MAX_BODY_DEPTH} levels through to the usual checks`, async () => {
    const res = await refusal({ order_id: 1, amount: 2, value: nestedArrays(MAX_BODY_DEPTH) });
    expect(res).toMatchObject({ fields: ['value'], message: 'value must be a number' });
  });

  it('leaves the values of custom parameter decorators alone', async () => {
    const principal = { deep: nestedArrays(100) };
    await expect(strictValidationPipe().transform(principal, { type: 'custom' })).resolves.toBe(principal);
  });
});

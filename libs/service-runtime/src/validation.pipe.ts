import { ArgumentMetadata, BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';

/**
 * Deepest nesting a request body may have below its top-level fields. The chain's bodies are flat; without a
 * bound, a 16-KB body of nested arrays made Nest's proto-key stripping and class-transformer recurse until the
 * stack overflowed (500).
 */
export const MAX_BODY_DEPTH = 32;

function invalidRequest(message: string, fields: string[]): BadRequestException {
  return new BadRequestException({ statusCode: 400, error: 'invalid_request', message, fields });
}

/** True when `value` has objects or arrays nested more than `limit` levels deep; iterative, so never overflows. */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 1]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [node, depth] = next;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}

/** Nest's ValidationPipe behind a depth check, so a deep body is a 400 naming its field, never a stack overflow. */
class DepthBoundValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom' && typeof value === 'object' && value !== null) {
      const fields = Object.entries(value)
        .filter(([, field]) => nestedDeeperThan(field, MAX_BODY_DEPTH))
        .map(([name]) => name);
      if (fields.length > 0) {
        const which = fields.join(', ');
        throw invalidRequest(`${which} nested deeper than ${MAX_BODY_DEPTH} levels`, fields);
      }
    }
    return super.transform(value, metadata);
  }
}

/**
 * Strict body validation: unknown fields are refused, nothing is coerced ("10" is not a number), nesting is
 * bounded ({@link MAX_BODY_DEPTH}), and the 400 names each offending field:
 * `{statusCode, error: "invalid_request", message, fields}`.
 */
export function strictValidationPipe(): ValidationPipe {
  return new DepthBoundValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    stopAtFirstError: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors: ValidationError[]) => {
      const fields = errors.map((e) => e.property);
      const messages = errors.flatMap((e) =>
        Object.values(e.constraints ?? { invalid: `${e.property} is invalid` }),
      );
      return invalidRequest(messages.join('; '), fields);
    },
  });
}

import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';

/**
 * Strict body validation: unknown fields are refused, nothing is coerced ("10" is not a number), and the 400
 * names each offending field: `{statusCode, error: "invalid_request", message, fields}`.
 */
export function strictValidationPipe(): ValidationPipe {
  return new ValidationPipe({
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
      return new BadRequestException({
        statusCode: 400,
        error: 'invalid_request',
        message: messages.join('; '),
        fields,
      });
    },
  });
}

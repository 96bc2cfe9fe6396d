import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * 429 with how long to wait: the error body says it (`retry_after`, seconds) and {@link ErrorBodyFilter} sends it
 * as the `Retry-After` header (RFC 9110 §10.2.3, RFC 6585 §4), so a client backs off without parsing the body.
 */
export class TooManyRequestsException extends HttpException {
  constructor(
    readonly retryAfterSec: number,
    message: string,
  ) {
    const seconds = Math.max(1, Math.ceil(retryAfterSec));
    super(
      {
        statusCode: HttpStatus.TOO_MANY_REQUESTS,
        error: 'too_many_requests',
        message: `${message}; retry after ${seconds} s`,
        retry_after: seconds,
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
    this.retryAfterSec = seconds;
  }
}

import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * 503: a store a check needs (Redis: the login limits, the logout tokens seen) cannot answer, so the request is
 * refused rather than let through unchecked (fail closed). {@link ErrorBodyFilter} sends `Retry-After`.
 */
export class StoreUnavailableException extends HttpException {
  readonly retryAfterSec = 1;

  /** `extra`: more of the body (a next hop's code and answer). */
  constructor(what: string, extra: Record<string, unknown> = {}) {
    super(
      {
        statusCode: HttpStatus.SERVICE_UNAVAILABLE,
        error: 'store_unavailable',
        message: `${what} cannot be reached; try again shortly`,
        retry_after: 1,
        ...extra,
      },
      HttpStatus.SERVICE_UNAVAILABLE,
    );
  }
}

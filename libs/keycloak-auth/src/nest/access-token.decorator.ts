import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ACCESS_TOKEN_KEY } from '../core/constants';
import { verifiedBearerToken } from './bearer-token';
import { requestOf } from './request-context';

/**
 * Injects the access token the guard verified for this request — the subject token for a
 * `TokenExchangeService.exchange` of your own, or to pass on as it is. Undefined on a route no token was verified
 * for (a `@Public()` route without a token). The token stays off the request object, where a logger could print
 * it; do not log it either.
 *
 * @example
 * ```ts
 * @Get('report')
 * async report(@AccessToken() token: string) {
 *   const forC = await this.exchange.exchange(token, { audience: 'service-c' });
 * }
 * ```
 */
export const AccessToken = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext) => verifiedBearerToken(requestOf(ctx)),
  [
    // Marks the handler, so the guard keeps this route's token on its fast path too.
    (target: object, key: string | symbol | undefined) => {
      const handler = key === undefined ? undefined : (target as Record<string | symbol, unknown>)[key];
      if (typeof handler === 'function') Reflect.defineMetadata(ACCESS_TOKEN_KEY, true, handler);
    },
  ],
);

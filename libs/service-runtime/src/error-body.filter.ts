import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { StoreUnavailableException } from './store-unavailable.exception';
import { TooManyRequestsException } from './too-many-requests.exception';

/**
 * Every error answer is JSON with the request's id (`request_id`, also in the `x-request-id` header), so a user's
 * report leads to the log lines of all three services. An unexpected error becomes a plain 500: its message and
 * stack go to the log, never to the caller. A 429, and a 503 of a store that cannot answer, carry `Retry-After`.
 */
@Catch()
export class ErrorBodyFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorBodyFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const requestId = String(request.id);
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      const json =
        typeof body === 'string'
          ? { statusCode: exception.getStatus(), message: body, request_id: requestId }
          : { ...(body as object), request_id: requestId };
      if (exception instanceof TooManyRequestsException || exception instanceof StoreUnavailableException)
        void reply.header('retry-after', String(exception.retryAfterSec));
      void reply.status(exception.getStatus()).send(json);
      return;
    }
    this.logger.error(
      `unexpected error on ${request.method} ${request.routeOptions?.url ?? 'unknown route'}: ${describe(exception)}`,
      exception instanceof Error ? exception.stack : undefined,
    );
    void reply.status(500).send({
      statusCode: 500,
      error: 'internal_error',
      message: 'internal error',
      request_id: requestId,
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { AuthenticatedRequest } from './bearer-token';
import { requestOf } from './request-context';

/** Injects the {@link Principal} the guard verified for this request (in a route or a GraphQL resolver). */
export const CurrentPrincipal = createParamDecorator(
  // `?? undefined`: on Fastify every request has the property, null until the guard sets it.
  (_data: unknown, ctx: ExecutionContext) => requestOf<AuthenticatedRequest>(ctx).principal ?? undefined,
);

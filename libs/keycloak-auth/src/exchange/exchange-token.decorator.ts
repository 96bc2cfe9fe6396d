import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { requestOf } from '../guards/request-context';
import { EXCHANGE_TOKEN_KEY } from '../keycloak-auth.constants';
import { ExchangeTarget } from './token-exchange.service';

const exchangedTokens = new WeakMap<object, string>();

/** Asks {@link TokenExchangeInterceptor} to exchange this request's token for `target` before the handler runs. */
export const ExchangeToken = (target: ExchangeTarget) => SetMetadata(EXCHANGE_TOKEN_KEY, target);

/** Injects the token {@link TokenExchangeInterceptor} obtained for this request (to send to the next service). */
export const ExchangedToken = createParamDecorator((_data: unknown, ctx: ExecutionContext) =>
  exchangedTokens.get(requestOf(ctx)),
);

/** Stores the exchanged token of a request; kept off the request object so no logger can print it. */
export function rememberExchangedToken(request: object, token: string): void {
  exchangedTokens.set(request, token);
}

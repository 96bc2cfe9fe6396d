import {
  applyDecorators,
  createParamDecorator,
  ExecutionContext,
  SetMetadata,
  UseInterceptors,
} from '@nestjs/common';
import { requestOf } from './request-context';
import { EXCHANGE_TOKEN_KEY } from '../core/constants';
import { exchangedTokenOf } from './exchanged-tokens';
import { TokenExchangeInterceptor } from './token-exchange.interceptor';
import { ExchangeTarget } from '../client/token-exchange.service';

/** Exchanges this request's verified token for `target` (RFC 8693) before the handler runs; read it with `@ExchangedToken()`. */
export const ExchangeToken = (target: ExchangeTarget) =>
  applyDecorators(SetMetadata(EXCHANGE_TOKEN_KEY, target), UseInterceptors(TokenExchangeInterceptor));

/** Injects the token `@ExchangeToken(target)` obtained for this request (to send to the next service). */
export const ExchangedToken = createParamDecorator((_data: unknown, ctx: ExecutionContext) =>
  exchangedTokenOf(requestOf(ctx)),
);

import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { from, Observable, switchMap } from 'rxjs';
import { InvalidTokenError } from '../errors';
import { verifiedBearerToken } from '../guards/bearer-token';
import { requestOf } from '../guards/request-context';
import { EXCHANGE_TOKEN_KEY } from '../keycloak-auth.constants';
import { rememberExchangedToken } from './exchange-token.decorator';
import { ExchangeTarget, TokenExchangeService } from './token-exchange.service';

/**
 * For handlers marked `@ExchangeToken(target)`: exchanges the verified incoming token (RFC 8693 subject_token =
 * the access token itself) and hands the result to the handler through `@ExchangedToken()`.
 */
@Injectable()
export class TokenExchangeInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly exchange: TokenExchangeService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const target = this.reflector.getAllAndOverride<ExchangeTarget | undefined>(EXCHANGE_TOKEN_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!target) return next.handle();
    const request = requestOf(context);
    const subject = verifiedBearerToken(request);
    if (!subject) throw new InvalidTokenError('token_missing', 'no verified bearer token to exchange');
    return from(this.exchange.exchange(subject, target)).pipe(
      switchMap((token) => {
        rememberExchangedToken(request, token);
        return next.handle();
      }),
    );
  }
}

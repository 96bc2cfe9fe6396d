import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost, Reflector } from '@nestjs/core';
import { catchError, from, Observable, switchMap, throwError } from 'rxjs';
import { InvalidTokenError } from '../core/errors';
import { verifiedBearerToken } from './bearer-token';
import { requestOf, setChallenge } from './request-context';
import { routeRules } from './route-requirements';
import { KEYCLOAK_AUTH_OPTIONS } from '../core/constants';
import type { ChallengeSettings } from './challenge-offer';
import { rememberExchangedToken } from './exchanged-tokens';
import { validateRouteInput } from './route-input';
import { TokenExchangeService } from '../client/token-exchange.service';

/**
 * For handlers marked `@ExchangeToken(target)`: exchanges the verified incoming token (RFC 8693 subject_token =
 * the access token itself) and hands the result to the handler through `@ExchangedToken()`. Before an exchange
 * that would call Keycloak, the request's body, query and path are validated ({@link validateRouteInput}): a 400
 * costs no exchange. When Keycloak refuses
 * the subject (e.g. its session ended after the guard accepted it), the answer carries the challenge as the
 * guard's would.
 */
@Injectable()
export class TokenExchangeInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly exchange: TokenExchangeService,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(KEYCLOAK_AUTH_OPTIONS) private readonly options: ChallengeSettings,
    private readonly config: ApplicationConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const target = routeRules(this.reflector, context).exchange;
    if (!target) return next.handle();
    const request = requestOf(context);
    const subject = verifiedBearerToken(request);
    if (!subject) throw new InvalidTokenError('token_missing', 'no verified bearer token to exchange');
    // The usual case, an exchange cached for this token: the handler at once, no promise or observable to build.
    // (A stand-in for the service provided without this method, as before it existed, takes the path below.)
    const known = this.exchange.cachedExchange?.(subject, target);
    if (known !== undefined) {
      rememberExchangedToken(request, known);
      return next.handle();
    }
    // The route's pipes run here only when the exchange would cost a call to Keycloak: a cached exchange costs
    // nothing to protect, and Nest runs the pipes anyway before the handler.
    const validated = this.exchange.cached(subject, target)
      ? Promise.resolve()
      : validateRouteInput(context, this.config);
    const exchanged = validated.then(() => this.exchange.exchange(subject, target));
    return from(exchanged).pipe(
      // Only the library's errors carry a challenge: a refused body passes through as it is.
      catchError((error: unknown) => {
        setChallenge(this.adapterHost, context, this.options, error);
        return throwError(() => error);
      }),
      switchMap((token) => {
        rememberExchangedToken(request, token);
        return next.handle();
      }),
    );
  }
}

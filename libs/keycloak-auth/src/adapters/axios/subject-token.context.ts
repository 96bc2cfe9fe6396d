import { AsyncLocalStorage } from 'node:async_hooks';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
import { KeycloakAuthenticator } from '../../verification';

// An axios interceptor runs outside Nest's execution context: it finds the request it serves through the async
// context the handler was called in.
const handled = new AsyncLocalStorage<() => string | undefined>();

/** The bearer token the guard verified for the request being handled here, if any. */
export function currentSubjectToken(): string | undefined {
  return handled.getStore()?.();
}

/**
 * Runs each HTTP or GraphQL handler inside the async context {@link currentSubjectToken} reads, so an outgoing
 * call made while handling a request can exchange that request's token.
 */
@Injectable()
export class SubjectTokenInterceptor implements NestInterceptor {
  constructor(private readonly authenticator: KeycloakAuthenticator) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const type = context.getType<string>();
    if (type !== 'http' && type !== 'graphql') return next.handle();
    const request = this.authenticator.requestOf(context);
    const token = () => this.authenticator.verifiedToken(request);
    // The handler is called when the response stream is subscribed to, so the subscription runs in the context.
    return new Observable((subscriber) => handled.run(token, () => next.handle().subscribe(subscriber)));
  }
}

import { ExecutionContext } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { IntrospectionRateLimitedError, KeycloakAuthError, StoreUnavailableError } from '../core/errors';
import { AuthenticatedRequest } from './bearer-token';
import { ChallengeSettings, offerOf } from './challenge-offer';

/** The part of a GraphQL resolver context (args[2]) where the drivers put the HTTP request and response. */
interface GraphQlResolverContext {
  /** The request: @nestjs/mercurius and @nestjs/apollo (Express) put it here by default. */
  req?: object & { res?: object };
  /** The request as Apollo on Fastify names it. */
  request?: object;
  /** Mercurius' Fastify reply (it always sets it), or Apollo on Fastify's. */
  reply?: object & { request?: object };
  /** Express' response, as @nestjs/apollo's default context names it. */
  res?: object;
}

/**
 * The HTTP request behind an execution context: the route's request, or for a GraphQL resolver
 * (`getType() === 'graphql'`, read by name so the library needs no @nestjs/graphql) the request the driver put
 * in the resolver context. Anything else throws: a guard that cannot see the request must not let it pass.
 */
export function requestOf<T extends object>(context: ExecutionContext): T {
  const type = context.getType<string>();
  if (type === 'http') return context.switchToHttp().getRequest<T>();
  if (type === 'graphql') {
    const gql = graphQlContext(context);
    const request = gql?.req ?? gql?.request ?? gql?.reply?.request;
    if (request) return request as T;
    throw new Error(
      'keycloak-auth: no HTTP request in the GraphQL context; give the GraphQL driver a context with `req`',
    );
  }
  throw new Error(`keycloak-auth: cannot authenticate a '${type}' execution context (only http and graphql)`);
}

/** The HTTP response of the same context, where the guard sets `WWW-Authenticate`; undefined if none is found. */
export function responseOf(context: ExecutionContext): object | undefined {
  if (context.getType<string>() === 'graphql') {
    const gql = graphQlContext(context);
    return gql?.reply ?? gql?.res ?? gql?.req?.res;
  }
  return context.switchToHttp().getResponse<object>();
}

/**
 * Puts the RFC 6750 §3 (and RFC 9449 §7.1) challenge of a library error on the context's response (a 401 carries
 * one), for the guard's refusals and the exchange interceptor's alike, with the schemes the request's route
 * offers. Other errors have none.
 */
export function setChallenge(
  adapterHost: HttpAdapterHost,
  context: ExecutionContext,
  options: ChallengeSettings,
  error: unknown,
): void {
  const response = responseOf(context);
  if (response)
    setChallengeOn(adapterHost, response, options, error, requestOf<AuthenticatedRequest>(context));
}

/** {@link setChallenge} on a response at hand, for code that sees the response but no execution context. */
export function setChallengeOn(
  adapterHost: HttpAdapterHost,
  response: object,
  options: ChallengeSettings,
  error: unknown,
  request?: AuthenticatedRequest,
): void {
  // No HTTP adapter (an application context without a server): nothing to set the headers on.
  const adapter = adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | null | undefined;
  if (!(error instanceof KeycloakAuthError) || !adapter) return;
  const challenge = error.wwwAuthenticate(options.home.realm, offerOf(request, options));
  if (challenge) adapter.setHeader(response, 'WWW-Authenticate', challenge);
  if (error instanceof IntrospectionRateLimitedError || error instanceof StoreUnavailableError)
    adapter.setHeader(response, 'Retry-After', String(error.retryAfterSec));
}

function graphQlContext(context: ExecutionContext): GraphQlResolverContext | undefined {
  // A resolver is called as (root, args, context, info).
  const gql: unknown = context.getArgByIndex(2);
  return typeof gql === 'object' && gql !== null ? gql : undefined;
}

import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { HttpAdapterHost } from '@nestjs/core';
import { InvalidTokenError } from '../core/errors';
import { requestOf, responseOf, setChallengeOn } from './request-context';

// The context shapes of the GraphQL drivers, read the way Nest hands them to a guard: a resolver's arguments
// (root, args, context, info) with getType() 'graphql'. Only @nestjs/mercurius is also run for real
// (keycloak-auth.guard.graphql.spec.ts); the Apollo shapes below are what @nestjs/apollo documents.
const resolverContext = (gqlContext: unknown, type = 'graphql') => {
  const host = new ExecutionContextHost([{}, {}, gqlContext, {}]);
  host.setType(type);
  return host;
};

describe('requestOf / responseOf', () => {
  const request = { headers: {} };
  const response = { header: () => undefined };
  const replyWithRequest = { request, header: () => undefined };

  it('reads an HTTP route’s request and response', () => {
    const host = new ExecutionContextHost([request, response]);
    expect(requestOf(host)).toBe(request);
    expect(responseOf(host)).toBe(response);
  });

  it.each([
    ['@nestjs/mercurius (req + reply)', { req: request, reply: response }, response],
    ['mercurius without a context function (reply only)', { reply: replyWithRequest }, replyWithRequest],
    ['@nestjs/apollo on Express (req + res)', { req: request, res: response }, response],
    ['Apollo on Express with only req (req.res)', { req: { ...request, res: response } }, response],
    ['Apollo on Fastify (request + reply)', { request, reply: response }, response],
  ])('finds the request and response in a GraphQL context: %s', (_name, gqlContext, expected) => {
    const host = resolverContext(gqlContext);
    const found = requestOf<{ headers: object }>(host);
    expect(found.headers).toBe(request.headers);
    expect(responseOf(host)).toBe(expected);
  });

  it('refuses a GraphQL context without a request, rather than guessing', () => {
    expect(() => requestOf(resolverContext({ app: {} }))).toThrow(/no HTTP request in the GraphQL context/);
    expect(() => requestOf(resolverContext(undefined))).toThrow(/no HTTP request in the GraphQL context/);
    expect(responseOf(resolverContext(undefined))).toBeUndefined();
  });

  it.each(['rpc', 'ws'])('refuses a %s context', (type) => {
    expect(() => requestOf(resolverContext({ req: request }, type))).toThrow(
      `cannot authenticate a '${type}' execution context`,
    );
  });
});

describe('setChallengeOn', () => {
  const options = {
    home: { realm: 's2s' },
    dpop: { policy: 'off', algorithms: [] },
    resourceMetadata: false,
  } as unknown as Parameters<typeof setChallengeOn>[2];
  const refusal = new InvalidTokenError('token_missing', 'no access token');

  it('sets the challenge through the HTTP adapter', () => {
    const set: [string, string][] = [];
    const host = { httpAdapter: { setHeader: (_r: object, k: string, v: string) => set.push([k, v]) } };
    setChallengeOn(host as unknown as HttpAdapterHost, {}, options, refusal);
    expect(set).toEqual([['WWW-Authenticate', 'Bearer realm="s2s"']]);
  });

  it('leaves the refusal to its caller where there is no HTTP adapter (an application context)', () => {
    expect(() => setChallengeOn(new HttpAdapterHost(), {}, options, refusal)).not.toThrow();
  });
});

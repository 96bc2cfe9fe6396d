import { ArgumentMetadata, ExecutionContext, PipeTransform } from '@nestjs/common';
import { PIPES_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { ApplicationConfig } from '@nestjs/core';

/** A route argument as Nest's `@Body()`, `@Query()` and `@Param()` record it on the controller. */
interface RouteArgument {
  index: number;
  data?: unknown;
  pipes?: unknown[];
}

/** The arguments whose pipes run here: their pipe type, and where each finds its value on the request. */
const VALIDATED: Partial<
  Record<RouteParamtypes, readonly ['body' | 'query' | 'param', 'body' | 'query' | 'params']>
> = {
  [RouteParamtypes.BODY]: ['body', 'body'],
  [RouteParamtypes.QUERY]: ['query', 'query'],
  [RouteParamtypes.PARAM]: ['param', 'params'],
};

/**
 * Runs the pipes a handler's body, query and path arguments will get (the app's global pipes, the controller's and
 * the handler's `@UsePipes`, the argument's own) before anything costly happens for the request. Nest runs
 * interceptors before pipes: without this, a request with a good token and a bad body would cost a token exchange
 * before its 400. The pipes run again when Nest calls the handler, which sees their output as usual. Pipes given as
 * classes (Nest instantiates them per route) are left to that second run.
 */
export async function validateRouteInput(
  context: ExecutionContext,
  config: ApplicationConfig,
): Promise<void> {
  if (context.getType() !== 'http') return;
  const controller = context.getClass();
  const handler = context.getHandler();
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handler.name) ?? {}) as Record<
    string,
    RouteArgument
  >;
  const types = (Reflect.getMetadata('design:paramtypes', controller.prototype, handler.name) ??
    []) as unknown[];
  const routePipes = [
    ...config.getGlobalPipes(),
    ...((Reflect.getMetadata(PIPES_METADATA, controller) ?? []) as unknown[]),
    ...((Reflect.getMetadata(PIPES_METADATA, handler) ?? []) as unknown[]),
  ];
  const request = context.switchToHttp().getRequest<Record<'body' | 'query' | 'params', unknown>>();
  for (const [key, argument] of Object.entries(args)) {
    const validated = VALIDATED[Number(key.split(':')[0]) as RouteParamtypes];
    if (!validated) continue;
    const [type, field] = validated;
    const data = typeof argument.data === 'string' ? argument.data : undefined;
    const source = request[field] as Record<string, unknown> | undefined;
    let value: unknown = data === undefined ? source : source?.[data];
    const metadata: ArgumentMetadata = {
      type,
      data,
      metatype: types[argument.index] as ArgumentMetadata['metatype'],
    };
    for (const pipe of [...routePipes, ...(argument.pipes ?? [])])
      if (isPipe(pipe)) value = await pipe.transform(value, metadata);
  }
}

function isPipe(pipe: unknown): pipe is PipeTransform {
  return typeof pipe === 'object' && pipe !== null && typeof (pipe as PipeTransform).transform === 'function';
}

import {
  ArgumentMetadata,
  Body,
  ExecutionContext,
  Param,
  PipeTransform,
  Query,
  UsePipes,
} from '@nestjs/common';
import { ApplicationConfig } from '@nestjs/core';

/** A route argument as Nest's `@Body()`, `@Query()` and `@Param()` record it on the controller. */
interface RouteArgument {
  index: number;
  data?: unknown;
  pipes?: unknown[];
}

type Validated = readonly ['body' | 'query' | 'param', 'body' | 'query' | 'params'];

/**
 * Where Nest's public decorators keep what this reads: the metadata key of route arguments and their argument
 * types (by `@Body()`, `@Query()`, `@Param()`), and the key of `@UsePipes()`. Learnt once by applying those
 * decorators to a probe class, so the library reads no Nest internals by name and follows the installed Nest.
 */
const ROUTE_METADATA = (() => {
  class Probe {
    handler(): void {}
  }
  const probePipe: PipeTransform = { transform: (value: unknown) => value };
  const sources: Validated[] = [
    ['body', 'body'],
    ['query', 'query'],
    ['param', 'params'],
  ];
  [Body(), Query(), Param()].forEach((decorate, index) => decorate(Probe.prototype, 'handler', index));
  UsePipes(probePipe)(Probe);
  const [argsKey] = Reflect.getOwnMetadataKeys(Probe, 'handler') as string[];
  const [pipesKey] = Reflect.getOwnMetadataKeys(Probe) as string[];
  const recorded = Reflect.getOwnMetadata(argsKey, Probe, 'handler') as Record<string, RouteArgument>;
  const validated = new Map<string, Validated>();
  for (const [key, argument] of Object.entries(recorded))
    validated.set(key.split(':')[0], sources[argument.index]);
  return { argsKey, pipesKey, validated };
})();

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
  const args = (Reflect.getMetadata(ROUTE_METADATA.argsKey, controller, handler.name) ?? {}) as Record<
    string,
    RouteArgument
  >;
  const types = (Reflect.getMetadata('design:paramtypes', controller.prototype, handler.name) ??
    []) as unknown[];
  const routePipes = [
    ...config.getGlobalPipes(),
    ...((Reflect.getMetadata(ROUTE_METADATA.pipesKey, controller) ?? []) as unknown[]),
    ...((Reflect.getMetadata(ROUTE_METADATA.pipesKey, handler) ?? []) as unknown[]),
  ];
  const request = context.switchToHttp().getRequest<Record<'body' | 'query' | 'params', unknown>>();
  for (const [key, argument] of Object.entries(args)) {
    const validated = ROUTE_METADATA.validated.get(key.split(':')[0]);
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

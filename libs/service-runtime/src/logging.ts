import { RequestMethod } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import { REQUEST_ID_HEADER, requestIdOf } from './request-context';

const ids = new WeakMap<IncomingMessage, string>();

/**
 * The request's id, decided once per request and shared by Fastify (`request.id`, error bodies, the next hop's
 * header) and the request log lines.
 */
export function idOf(request: IncomingMessage): string {
  let id = ids.get(request);
  if (id === undefined) {
    id = requestIdOf(request);
    ids.set(request, id);
  }
  return id;
}

/** A URL without its query: `/auth/callback?code=…` must not put the authorization code into a log. */
function pathOnly(url: string | undefined): string | undefined {
  return url?.split('?')[0];
}

/** Health probes (every few seconds from an orchestrator) are not logged. */
function isProbe(req: IncomingMessage & { originalUrl?: string }): boolean {
  return (req.originalUrl ?? req.url ?? '').startsWith('/health/');
}

/**
 * Structured JSON logs (nestjs-pino): one line per request with its id, method, path, status and time; Nest's own
 * log lines through the same pino. Request and response headers are not logged at all (tokens, cookies), query
 * strings neither. `LOG_LEVEL` sets the level (default info).
 */
export function loggerParams(service: string): Params {
  return {
    // Every route, named explicitly: nestjs-pino's default route (`{/*splat}`) matches no request on Nest 12's
    // Fastify adapter, which left the services without request logs and without the x-request-id header.
    forRoutes: [{ path: '*path', method: RequestMethod.ALL }],
    pinoHttp: {
      level: process.env.LOG_LEVEL ?? 'info',
      base: { service },
      genReqId: (req: IncomingMessage, res: ServerResponse) => {
        const id = idOf(req);
        if (!res.headersSent) res.setHeader(REQUEST_ID_HEADER, id);
        return id;
      },
      customProps: (req: IncomingMessage) => ({ request_id: idOf(req) }),
      serializers: {
        req: (req: { method?: string; url?: string }) => ({ method: req.method, path: pathOnly(req.url) }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      },
      autoLogging: { ignore: (req: IncomingMessage) => isProbe(req) },
    },
  };
}

import { StoreUnavailableException } from './store-unavailable.exception';
import {
  BadGatewayException,
  GatewayTimeoutException,
  HttpException,
  Provider,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Agent, request } from 'undici';
import { randomUUID } from 'node:crypto';
import type { DpopProofMaker } from 'nest-keycloak-s2s/dpop';
import { currentRequestId, REQUEST_ID_HEADER } from './request-context';
import type { ServiceDefinition } from './service-definition';
import { ServiceEnv } from './service-env';
import { SERVICE_DEFINITION } from './service-runtime.constants';

/** One downstream service this service calls with a bearer token. */
export interface DownstreamTarget {
  /** Name used in error messages, e.g. `service-c`. */
  name: string;
  /** Base URL, e.g. `http://localhost:3002`. */
  baseUrl: string;
  /** Whole-call timeout in milliseconds. */
  timeoutMs: number;
}

/**
 * POSTs JSON to the next hop (undici, keep-alive). Whatever goes wrong there becomes a clear 502 (refused,
 * reset, error answer) or 504 (timeout) for our caller, with the downstream status and message in the body and
 * never the token; the next hop's 503 `idp_unavailable` stays a 503 `idp_unavailable`.
 */
export class DownstreamClient {
  private readonly agent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });

  constructor(private readonly target: DownstreamTarget) {}

  /**
   * POSTs `body` with `token`: as a bearer token, or with `dpop` as a DPoP-bound one (`Authorization: DPoP` and a
   * fresh proof per attempt), sent once more when the next hop asks for its nonce (RFC 9449 §9).
   */
  async postJson<T>(path: string, body: unknown, token: string, dpop?: DpopProofMaker): Promise<T> {
    const { name, baseUrl, timeoutMs } = this.target;
    const url = `${baseUrl}${path}`;
    const requestId = currentRequestId() ?? randomUUID();
    let res;
    try {
      for (let attempt = 0; ; attempt++) {
        const auth = dpop ? await dpop.headers('POST', url, token) : { authorization: `Bearer ${token}` };
        res = await request(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...auth, [REQUEST_ID_HEADER]: requestId },
          body: JSON.stringify(body),
          dispatcher: this.agent,
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (attempt > 0 || !dpop?.nonceRequired(url, res.statusCode, res.headers)) break;
        await res.body.dump();
      }
    } catch (error) {
      throw failure(name, error, timeoutMs);
    }
    let payload: unknown;
    try {
      const text = await res.body.text();
      payload = text ? JSON.parse(text) : undefined;
    } catch (error) {
      if (error instanceof SyntaxError)
        throw gateway(name, res.statusCode, { message: 'its answer is not JSON' });
      throw failure(name, error, timeoutMs); // the body timed out or the connection dropped mid-answer
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return payload as T;
    throw gateway(name, res.statusCode, payload);
  }

  /** Closes the connection pool. */
  close(): Promise<void> {
    return this.agent.close();
  }
}

function gateway(name: string, status: number, payload: unknown): HttpException {
  const upstream = (payload ?? {}) as { error?: unknown; message?: unknown; code?: unknown };
  const detail = typeof upstream.message === 'string' ? `: ${upstream.message}` : '';
  const body = {
    message: `${name} answered ${status}${detail}`,
    upstream: {
      service: name,
      status,
      error: upstream.error ?? null,
      message: typeof upstream.message === 'string' ? upstream.message : null,
    },
  };
  // The next hop could not reach the identity provider: the realm is the one this service uses too, so the caller
  // gets what it would get from us in that outage (503, retry later), not a 502 that reads as a broken next hop.
  if (status === 503 && upstream.code === 'idp_unavailable') {
    return new ServiceUnavailableException({
      statusCode: 503,
      error: 'idp_unavailable',
      code: 'idp_unavailable',
      ...body,
    });
  }
  // The next hop's shared store (Redis, which this service's replicas use too) cannot answer: a retry-later 503.
  if (status === 503 && upstream.error === 'store_unavailable') {
    return new StoreUnavailableException('the shared store of the next hop (Redis)', {
      code: typeof upstream.code === 'string' ? upstream.code : 'store_unavailable',
      ...body,
    });
  }
  return new BadGatewayException({ statusCode: 502, error: 'bad_gateway', ...body });
}

function failure(name: string, error: unknown, timeoutMs: number): HttpException {
  const e = error as { name?: string; code?: string };
  if (
    e?.name === 'TimeoutError' ||
    e?.code === 'UND_ERR_HEADERS_TIMEOUT' ||
    e?.code === 'UND_ERR_BODY_TIMEOUT'
  ) {
    return new GatewayTimeoutException({
      statusCode: 504,
      error: 'gateway_timeout',
      message: `${name} did not answer within ${timeoutMs} ms`,
    });
  }
  return new BadGatewayException({
    statusCode: 502,
    error: 'bad_gateway',
    message: `${name} unreachable (${e?.code ?? e?.name ?? 'error'})`,
  });
}

/** A provider, under `token`, of the {@link DownstreamClient} of the service's next hop (its definition's `nextHop`). */
export function downstreamClientProvider(token: symbol): Provider {
  return {
    provide: token,
    inject: [ConfigService, SERVICE_DEFINITION],
    useFactory: (config: ConfigService<ServiceEnv, true>, definition: ServiceDefinition) => {
      const url = config.get('NEXT_HOP_URL', { infer: true });
      if (!definition.nextHop || !url) throw new Error(`${definition.name} has no next hop to call`);
      return new DownstreamClient({
        name: definition.nextHop.name,
        baseUrl: url,
        timeoutMs: config.get('DOWNSTREAM_TIMEOUT_MS', { infer: true }),
      });
    },
  };
}

import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import type { ServiceAEnv } from './bff-env';

/**
 * Cross-site request forgery defence for the routes a session cookie authorizes (besides SameSite=Lax): a
 * browser's POST must come from service-a's own pages. Browsers send `Origin` (and `Sec-Fetch-Site`) on every
 * POST; a request from another site is refused with 403. Clients that are not browsers send neither and carry no
 * ambient cookie to abuse.
 */
@Injectable()
export class SameOriginGuard implements CanActivate {
  private readonly origin: string;

  constructor(config: ConfigService<ServiceAEnv, true>) {
    this.origin = new URL(config.get('PUBLIC_URL', { infer: true })).origin;
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const origin = request.headers.origin;
    const site = request.headers['sec-fetch-site'];
    const crossOrigin =
      origin !== undefined
        ? origin !== this.origin
        : site !== undefined && site !== 'same-origin' && site !== 'none';
    if (crossOrigin)
      throw new ForbiddenException({
        statusCode: 403,
        error: 'cross_origin_request',
        message: `requests must come from service-a's own page at ${this.origin}`,
      });
    return true;
  }
}

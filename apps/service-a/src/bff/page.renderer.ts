import { HttpException, Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { KEYCLOAK_AUTH_OPTIONS, ResolvedKeycloakAuthOptions } from 'nest-keycloak-s2s';
import { PageModel, renderPage } from './page.view';

/** Sends the server-rendered page with headers that keep it to itself (CSP, no caching, no framing). */
@Injectable()
export class PageRenderer {
  private readonly policy: string;

  constructor(@Inject(KEYCLOAK_AUTH_OPTIONS) options: ResolvedKeycloakAuthOptions) {
    // Forms post to service-a, whose logout then redirects to Keycloak's end-session endpoint.
    const keycloak = new URL(options.home.issuer).origin;
    this.policy = [
      "default-src 'none'",
      "style-src 'self'",
      `form-action 'self' ${keycloak}`,
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join('; ');
  }

  send(reply: FastifyReply, status: number, model: PageModel): FastifyReply {
    return reply
      .status(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', this.policy)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin') // 'no-referrer' would make Chromium send Origin: null on our own forms
      .send(renderPage(model));
  }

  /** The readable reason of an error answer (`message` of its JSON body). */
  static messageOf(error: HttpException): string {
    const body = error.getResponse();
    if (typeof body === 'string') return body;
    const message = (body as { message?: unknown }).message;
    if (Array.isArray(message)) return message.join('; ');
    return typeof message === 'string' ? message : error.message;
  }
}

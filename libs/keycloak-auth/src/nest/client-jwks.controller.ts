import { Controller, Get, Header, Inject, NotFoundException } from '@nestjs/common';
import { Public } from './public.decorator';
import { CLIENT_KEY_SET } from '../core/constants';
import type { ClientKeySet, PublishedJwks } from '../keys/client-key-set';

/** Seconds a JWKS answer may be cached: part of the wait before a new key signs (`activationDelaySec`). */
export const CLIENT_JWKS_MAX_AGE_SEC = 5;

/**
 * `GET /.well-known/jwks.json`: this service's public client keys, the URL its Keycloak client reads them from
 * (`jwks.url`) under `private_key_jwt`. Public (Keycloak calls it without a token), briefly cacheable, and 404
 * when the service signs nothing.
 */
@Controller('.well-known')
export class ClientJwksController {
  constructor(@Inject(CLIENT_KEY_SET) private readonly keys: ClientKeySet | null) {}

  /** The JWKS (RFC 7517 §5) of every key in the service's key folder. */
  @Public()
  @Get('jwks.json')
  @Header('cache-control', `public, max-age=${CLIENT_JWKS_MAX_AGE_SEC}`)
  jwks(): PublishedJwks {
    if (this.keys === null) throw new NotFoundException('this service publishes no keys');
    return this.keys.jwks();
  }
}

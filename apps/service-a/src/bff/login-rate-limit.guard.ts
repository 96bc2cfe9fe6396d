import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import { TooManyRequestsException } from '@app/service-runtime';

/** The throttler of the login routes (`ThrottlerModule` in service-a's module): requests per client address. */
export const LOGIN_THROTTLER = 'login-address';

/**
 * Limits the login routes (`/auth/login`, `/auth/callback`, `/auth/token`, `/auth/refresh`) per client address,
 * with @nestjs/throttler: every one of them costs a call to Keycloak or a pending login in memory. Over the limit,
 * 429 with `Retry-After` in seconds (RFC 9110 §10.2.3) and the usual error body. One count per address for all the
 * routes together, so an attacker cannot spread a flood across them.
 */
@Injectable()
export class LoginRateLimitGuard extends ThrottlerGuard {
  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return createHash('sha256').update(`${name}:${tracker}`).digest('hex');
  }

  protected override throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new TooManyRequestsException(detail.timeToBlockExpire, 'too many login requests from this address');
  }
}

import type { Principal } from '@app/keycloak-auth';
import { currentRequestId } from './request-context';

/** What one service saw of its caller's token: claims only, never the token. */
export interface Hop {
  service: string;
  sub: string;
  preferred_username?: string;
  azp: string;
  aud: readonly string[];
  scope: string;
  exp: number;
  /** The request id this service served the call under (the same at every hop of one chain request). */
  request_id?: string;
}

/** The {@link Hop} a service reports for the principal it verified. */
export function hopOf(service: string, principal: Principal): Hop {
  return {
    service,
    sub: principal.subject,
    preferred_username: principal.username,
    azp: principal.clientId,
    aud: principal.audience,
    scope: principal.scopes.join(' '),
    exp: principal.expiresAt,
    request_id: currentRequestId(),
  };
}

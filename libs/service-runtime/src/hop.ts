import type { Principal } from '@app/keycloak-auth';

/** What one service saw of its caller's token: claims only, never the token. */
export interface Hop {
  service: string;
  sub: string;
  preferred_username?: string;
  azp: string;
  aud: readonly string[];
  scope: string;
  exp: number;
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
  };
}

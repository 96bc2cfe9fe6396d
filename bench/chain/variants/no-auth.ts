import { CanActivate, ExecutionContext, Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ClientCredentialsTokenProvider, Principal, TokenExchangeService } from 'nest-keycloak-s2s';
// The library keeps the verified token off the request; a guard of one's own hands it to the exchange this way.
import { rememberBearerToken } from 'nest-keycloak-s2s/verification';
import { ServiceOverrides } from './service-overrides';

/** The bearer "token" of the no-auth chain: nobody issues, sends for validation or checks it. */
export const NO_AUTH_TOKEN = 'no-auth';

/** A principal shaped like the one a hop would verify, so the handlers and the answer are the same size. */
function fixedPrincipal(clientId: string, audience: string, scope: string): Principal {
  return {
    subject: 'no-auth',
    username: 'service-account-service-a',
    clientId,
    audience: [audience],
    scopes: scope.split(' '),
    realmRoles: [],
    clientRoles: {},
    issuer: 'no-auth',
    expiresAt: 0,
    actors: [],
    claims: {},
  };
}

/**
 * The guard of the no-auth chain: checks nothing, puts a fixed principal on the request (the handlers read it)
 * and hands the exchange step a token to pass on.
 */
class NoAuthGuard implements CanActivate {
  constructor(private readonly principal: Principal) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ principal?: Principal }>();
    request.principal = this.principal;
    rememberBearerToken(request, NO_AUTH_TOKEN);
    return true;
  }
}

/** Client credentials without Keycloak: always the same token. */
const passThroughTokens: Pick<ClientCredentialsTokenProvider, 'getToken'> = {
  getToken: () => Promise.resolve(NO_AUTH_TOKEN),
};

/**
 * Token exchange without Keycloak: the incoming token goes on as it is, as if always cached (and answered as the
 * library answers a cached exchange: at once).
 */
const passThroughExchange: Pick<TokenExchangeService, 'exchange' | 'cached' | 'cachedExchange'> = {
  exchange: (subjectToken: string) => Promise.resolve(subjectToken),
  cached: () => true,
  cachedExchange: (subjectToken: string) => subjectToken,
};

const noGuard = (principal: Principal): Provider => ({
  provide: APP_GUARD,
  useValue: new NoAuthGuard(principal),
});

/**
 * Scenario 1 (the ceiling): each service's controllers, services and HTTP clients with the security taken out —
 * the library's global guard switched off (`globalGuard: false`), a guard that only sets a fixed principal, and
 * the token steps (client credentials at service-a, exchange at service-b) passing a constant through.
 */
export const NO_AUTH: Record<'service-a' | 'service-b' | 'service-c', ServiceOverrides> = {
  'service-a': {
    auth: { globalGuard: false },
    providers: [{ provide: ClientCredentialsTokenProvider, useValue: passThroughTokens }],
  },
  'service-b': {
    auth: { globalGuard: false },
    providers: [
      noGuard(fixedPrincipal('service-a', 'service-b', 'orders.read profile email')),
      { provide: TokenExchangeService, useValue: passThroughExchange },
    ],
  },
  'service-c': {
    auth: { globalGuard: false },
    providers: [noGuard(fixedPrincipal('service-b', 'service-c', 'analytics.run'))],
  },
};

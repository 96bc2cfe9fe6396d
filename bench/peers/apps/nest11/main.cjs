// A peer app on Nest 11: the bare route (PEER_GUARD=none), or nestjs-keycloak-auth with its token validation
// PEER_GUARD=online (a local check, then each token introspected at Keycloak) or offline (local check only).
'use strict';
const { runPeerApp } = require('../peer-app.cjs');

/** The guard setup nestjs-keycloak-auth's README gives: its module, then AuthGuard and RoleGuard as app guards. */
function keycloakAuth(validation) {
  const { APP_GUARD } = require('@nestjs/core');
  const nka = require('nestjs-keycloak-auth');
  const module = nka.KeycloakAuthModule.register({
    authServerUrl: process.env.KEYCLOAK_URL,
    realm: process.env.KEYCLOAK_REALM,
    clientId: process.env.PEER_CLIENT_ID,
    secret: process.env.PEER_CLIENT_SECRET,
    bearerOnly: true,
    // Off by default: without it the offline check skips `aud` (its TokenValidationService.validateOffline).
    verifyTokenAudience: true,
    tokenValidation: validation === 'online' ? nka.TokenValidation.ONLINE : nka.TokenValidation.OFFLINE,
  });
  return {
    imports: [module],
    providers: [
      { provide: APP_GUARD, useClass: nka.AuthGuard },
      { provide: APP_GUARD, useClass: nka.RoleGuard },
    ],
  };
}

const validation = process.env.PEER_GUARD ?? 'none';
runPeerApp(require, validation === 'none' ? {} : keycloakAuth(validation));

// A peer app on Nest 10: the bare route (PEER_GUARD=none), or nest-keycloak-connect with its token validation
// PEER_GUARD=online (each token introspected at Keycloak) or offline (checked locally against the realm's keys),
// and with PEER_ROLE its @Roles check on the route, or with PEER_RESOURCE and PEER_SCOPE its ResourceGuard
// (`@Resource` on the controller, `@Scopes` on the route: Keycloak's Authorization Services decide, enforcing).
// nest-keycloak-connect 1.10.1 accepts Nest 6 to 10 only.
'use strict';
const { runPeerApp } = require('../peer-app.cjs');

/**
 * The guard setup nest-keycloak-connect's README gives: its module, then AuthGuard, ResourceGuard and RoleGuard as
 * app guards (ResourceGuard lets a route without `@Resource` through under its default permissive enforcement).
 */
function keycloakConnect(validation, role, resource, scope) {
  const { APP_GUARD } = require('@nestjs/core');
  const nkc = require('nest-keycloak-connect');
  const module = nkc.KeycloakConnectModule.register({
    authServerUrl: process.env.KEYCLOAK_URL,
    realm: process.env.KEYCLOAK_REALM,
    clientId: process.env.PEER_CLIENT_ID,
    secret: process.env.PEER_CLIENT_SECRET,
    bearerOnly: true,
    // Off by default: without it the local check skips `aud` (keycloak-connect's GrantManager.validateToken).
    verifyTokenAudience: true,
    tokenValidation: validation === 'online' ? nkc.TokenValidation.ONLINE : nkc.TokenValidation.OFFLINE,
    // With a resource, enforcing: a route without `@Resource` or `@Scopes` is refused (permissive lets it through).
    ...(resource ? { policyEnforcement: nkc.PolicyEnforcementMode.ENFORCING } : {}),
    useNestLogger: false,
    logLevels: ['error'],
  });
  return {
    imports: [module],
    providers: [
      { provide: APP_GUARD, useClass: nkc.AuthGuard },
      ...(resource ? [{ provide: APP_GUARD, useClass: nkc.ResourceGuard }] : []),
      { provide: APP_GUARD, useClass: nkc.RoleGuard },
    ],
    routeDecorators: [
      ...(role ? [nkc.Roles({ roles: [role] })] : []),
      ...(resource ? [nkc.Scopes(scope)] : []),
    ],
    controllerDecorators: resource ? [nkc.Resource(resource)] : [],
  };
}

const validation = process.env.PEER_GUARD ?? 'none';
const { PEER_ROLE, PEER_RESOURCE, PEER_SCOPE } = process.env;
runPeerApp(
  require,
  validation === 'none' ? {} : keycloakConnect(validation, PEER_ROLE, PEER_RESOURCE, PEER_SCOPE),
);

// This library's app: the benchmark's route (peer-app.cjs) on Nest 12 behind KeycloakAuthModule's global guard,
// in OURS_MODE jwt or introspection, authenticating to Keycloak like the peers (a client secret, HTTP Basic). With
// OURS_RESOURCE and OURS_SCOPE the route also requires that permission of Keycloak's Authorization Services
// (`@RequirePermission`, decisions cached: KeycloakAuthzModule's defaults, the resource server being the client).
import 'reflect-metadata';
import { createRequire } from 'node:module';
import { DynamicModule } from '@nestjs/common';
import { KeycloakAuthModule } from 'nest-keycloak-s2s';
import { KeycloakAuthzModule, RequirePermission } from 'nest-keycloak-s2s/authz';

/** What peer-app.cjs exports (plain JavaScript, shared with the peers' folders). */
interface PeerAppScript {
  runPeerApp(
    nest: NodeJS.Require,
    guard?: { imports?: DynamicModule[]; routeDecorators?: MethodDecorator[] },
  ): void;
}

const { runPeerApp } = createRequire(__filename)('../peer-app.cjs') as PeerAppScript;
const mode = process.env.OURS_MODE === 'introspection' ? 'introspection' : 'jwt';
const url = process.env.KEYCLOAK_URL ?? '';
const { OURS_RESOURCE: resource, OURS_SCOPE: scope } = process.env;
const authz = resource !== undefined && scope !== undefined;

runPeerApp(require, {
  imports: [
    KeycloakAuthModule.forRoot({
      url,
      realm: process.env.KEYCLOAK_REALM ?? 's2s',
      clientId: process.env.PEER_CLIENT_ID ?? '',
      clientSecret: process.env.PEER_CLIENT_SECRET,
      clientAuthMethod: 'client_secret_basic',
      mode,
      audience: process.env.OURS_AUDIENCE ?? 'service-b',
    }),
    ...(authz ? [KeycloakAuthzModule.forRoot({})] : []),
  ],
  routeDecorators: authz ? [RequirePermission(resource, scope)] : [],
});

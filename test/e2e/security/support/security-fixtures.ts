import { randomBytes } from 'node:crypto';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { JWTPayload } from 'jose';
import {
  adminClient,
  exchangeAsServiceB,
  SIGNED_JWT,
  serviceToken,
  temporaryClient,
  temporaryUser,
  tokenFrom,
  tokenResponse,
  USERS,
} from '../../support/keycloak';
import type { DpopProofMaker } from 'nest-keycloak-s2s/dpop';
import { boundExchangeAsServiceB, boundServiceToken, dpopKey } from '../../support/dpop';
import * as forge from './forged-tokens';

/** How many tokens with random `kid`s the flood case sends. */
export const KID_FLOOD = 50;

/** Every token the attacks send, made once for both modes: real ones from Keycloak and forged ones. */
export interface SecurityTokens {
  /** service-a's client-credentials token: good at service-b. */
  serviceA: string;
  serviceB: string;
  /** service-a's token exchanged by service-b for service-c, with and without analytics.run. */
  forC: string;
  /** A throw-away client's token whose 1-s life ended. */
  expired: string;
  /** Throw-away clients' tokens: for service-b without orders.read; with it but without a role; without aud. */
  noOrdersScope: string;
  noRole: string;
  noAudience: string;
  /** A throw-away client's own token with aud service-c and analytics.run (azp is that client, not service-b). */
  selfMadeForC: string;
  /** A token of another realm on the same Keycloak, otherwise shaped like service-a's. */
  otherRealm: string;
  /** A throw-away user's tokens from service-a's password grant with scope openid. */
  userId: string;
  userRefresh: string;
  /** bob (no role) through service-a's password grant. */
  bob: string;
  algNone: string;
  hs256WithPem: string;
  hs256WithModulus: string;
  oneByteChanged: string;
  scopeWidened: string;
  foreignKeySameKid: string;
  foreignKeyOtherKid: string;
  unknownKid: string;
  nbfInFuture: string;
  iatInFuture: string;
  randomKids: string[];
  /** The test's DPoP key (the one the bound tokens below are bound to) and a second key of the attacker's. */
  dpopKey: DpopProofMaker;
  otherDpopKey: DpopProofMaker;
  /** service-a's token exchanged by service-b with a proof of `dpopKey`: what service-c receives, bound. */
  forCBound: string;
  forCBoundWithoutAnalytics: string;
  /** service-a's client-credentials token bound to `dpopKey` (service-b's DPoP-only quote route takes it). */
  serviceABound: string;
  /** {@link selfMadeForC}, bound to `dpopKey`. */
  selfMadeForCBound: string;
}

/** Throw-away Keycloak objects and the tokens made with them; `remove()` deletes every object it created. */
export interface SecurityFixtures {
  tokens: SecurityTokens;
  remove: () => Promise<void>;
}

const OTHER_REALM = 'e2e-sec-other-realm';
const TEMP_USER = 'e2e-sec-user';

/**
 * A second realm on the same Keycloak with a client whose tokens look like service-a's (aud service-b, scope
 * orders.read): only the issuer differs.
 */
async function otherRealmToken(admin: KcAdminClient, cleanups: Array<() => Promise<void>>): Promise<string> {
  if (await admin.realms.findOne({ realm: OTHER_REALM })) await admin.realms.del({ realm: OTHER_REALM });
  await admin.realms.create({ realm: OTHER_REALM, enabled: true });
  cleanups.push(() => admin.realms.del({ realm: OTHER_REALM }));
  await admin.clientScopes.create({
    realm: OTHER_REALM,
    name: 'orders.read',
    protocol: 'openid-connect',
    attributes: { 'include.in.token.scope': 'true' },
  });
  const secret = randomBytes(16).toString('hex');
  await admin.clients.create({
    realm: OTHER_REALM,
    clientId: 'service-a',
    secret,
    publicClient: false,
    serviceAccountsEnabled: true,
    standardFlowEnabled: false,
    defaultClientScopes: ['basic', 'orders.read'],
    protocolMappers: [
      {
        name: 'service-b audience',
        protocol: 'openid-connect',
        protocolMapper: 'oidc-audience-mapper',
        config: { 'included.custom.audience': 'service-b', 'access.token.claim': 'true' },
      },
    ],
  });
  const { access_token } = await tokenResponse(
    'service-a',
    secret,
    { grant_type: 'client_credentials' },
    OTHER_REALM,
  );
  return access_token;
}

/** A throw-away user of the demo realm (never alice or bob, whom a wrong password would lock out). */
async function temporaryUserTokens(admin: KcAdminClient, cleanups: Array<() => Promise<void>>) {
  const password = randomBytes(16).toString('hex');
  cleanups.push((await temporaryUser(admin, TEMP_USER, password)).remove);
  return tokenResponse('service-a', SIGNED_JWT['service-a'], {
    grant_type: 'password',
    username: TEMP_USER,
    password,
    scope: 'openid',
  });
}

async function clientToken(
  admin: KcAdminClient,
  cleanups: Array<() => Promise<void>>,
  clientId: string,
  scopes: string[],
  attributes: Record<string, string> = {},
): Promise<string> {
  const client = await temporaryClient(admin, clientId, scopes, attributes);
  cleanups.push(client.remove);
  return tokenFrom(clientId, client.secret, { grant_type: 'client_credentials' });
}

async function forgedTokens(serviceA: string) {
  const key = await forge.realmSigningKey();
  const { privateKey } = await forge.foreignKey();
  const claims: JWTPayload = forge.partsOf(serviceA).claims;
  const now = Math.floor(Date.now() / 1000);
  return {
    algNone: forge.unsigned(claims),
    hs256WithPem: await forge.hmacSigned(claims, new TextEncoder().encode(key.pem), key.kid),
    hs256WithModulus: await forge.hmacSigned(claims, Buffer.from(key.jwk.n!, 'base64url'), key.kid),
    oneByteChanged: forge.withOneByteChanged(serviceA),
    scopeWidened: forge.withClaims(serviceA, { scope: `${claims.scope} orders.approve` }),
    foreignKeySameKid: await forge.signedWith(claims, privateKey, key.kid),
    foreignKeyOtherKid: await forge.signedWith(claims, privateKey, 'e2e-sec-foreign-key'),
    unknownKid: forge.withHeader(serviceA, { kid: 'e2e-sec-no-such-kid' }),
    // Keycloak never signs these: signed locally, they fail on the signature first. The nbf and iat checks
    // themselves are unit-tested with a local key (libs/keycloak-auth/src/verification/*.spec.ts).
    nbfInFuture: await forge.signedWith({ ...claims, nbf: now + 3600 }, privateKey, key.kid),
    iatInFuture: await forge.signedWith({ ...claims, iat: now + 3600, exp: now + 7200 }, privateKey, key.kid),
    randomKids: await forge.randomKidTokens(claims, privateKey, KID_FLOOD),
  };
}

/**
 * Creates the throw-away clients, realm and user, and makes every token. The expired token is made first and the
 * call returns only once it is past `exp` plus the services' 5-s clock tolerance, so the wait overlaps the rest.
 */
export async function createSecurityFixtures(): Promise<SecurityFixtures> {
  const admin = await adminClient();
  const cleanups: Array<() => Promise<void>> = [];
  const remove = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const expired = await clientToken(
      admin,
      cleanups,
      'e2e-sec-short-lived',
      ['basic', 'service-b-audience', 'orders.read'],
      { 'access.token.lifespan': '1' },
    );
    const expiredAt = Date.now() + 1_000 + 5_000 + 1_000;
    const serviceA = await serviceToken('service-a');
    const key = await dpopKey();
    const user = await temporaryUserTokens(admin, cleanups);
    const tokens: SecurityTokens = {
      serviceA,
      serviceB: await serviceToken('service-b'),
      forC: await exchangeAsServiceB(serviceA, 'analytics.run service-c-audience'),
      expired,
      noOrdersScope: await clientToken(admin, cleanups, 'e2e-sec-no-orders-scope', [
        'basic',
        'service-b-audience',
      ]),
      noRole: await clientToken(admin, cleanups, 'e2e-sec-no-role', [
        'basic',
        'roles',
        'service-b-audience',
        'orders.read',
      ]),
      noAudience: await clientToken(admin, cleanups, 'e2e-sec-no-audience', ['basic', 'orders.read']),
      selfMadeForC: await clientToken(admin, cleanups, 'e2e-sec-self-made-for-c', [
        'basic',
        'service-c-audience',
        'analytics.run',
      ]),
      // The client made just above (temporaryClient's secret is `<clientId>-secret`).
      selfMadeForCBound: await boundServiceToken(
        'e2e-sec-self-made-for-c',
        key,
        'e2e-sec-self-made-for-c-secret',
      ),
      dpopKey: key,
      otherDpopKey: await dpopKey(),
      forCBound: await boundExchangeAsServiceB(serviceA, key),
      forCBoundWithoutAnalytics: await boundExchangeAsServiceB(serviceA, key, 'service-c-audience'),
      serviceABound: await boundServiceToken('service-a', key),
      otherRealm: await otherRealmToken(admin, cleanups),
      userId: user.id_token!,
      userRefresh: user.refresh_token!,
      bob: await tokenFrom('service-a', SIGNED_JWT['service-a'], {
        grant_type: 'password',
        username: 'bob',
        password: USERS.bob,
      }),
      ...(await forgedTokens(serviceA)),
    };
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiredAt - Date.now())));
    return { tokens, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

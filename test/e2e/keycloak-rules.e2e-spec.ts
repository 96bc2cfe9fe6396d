import { keysDirOf } from './support/client-keys';
import { InvalidTokenError } from 'nest-keycloak-s2s';
import {
  IntrospectionTokenVerifier,
  KeycloakOAuthClient,
  resolveKeycloakAuthOptions,
  systemClock,
} from 'nest-keycloak-s2s/internal';
import { UnsecuredJWT } from 'jose';
import {
  claimsOf,
  exchangeAsServiceB,
  KEYCLOAK_URL,
  REALM,
  SIGNED_JWT,
  clientAuthFields,
  serviceToken,
  tokenUrl,
} from './support/keycloak';

// The Keycloak rules the chain is built on (README, "Token exchange of a service-account token: what Keycloak
// does", "Security suite"), asked of the server directly, without the services in between: when an upgrade changes
// one of them, this file says which.

const EXCHANGE = {
  grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
  subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
  requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
};
/** What service-b asks for (apps/service-b): both optional scopes of service-b, and service-c as the audience. */
const FOR_C = { audience: 'service-c', scope: 'analytics.run service-c-audience' };

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** POSTs a form to one of the realm's endpoints as `clientId` (a signed JWT) and returns status and JSON body. */
async function postAs(clientId: string, url: string, form: Record<string, string>): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...(await clientAuthFields(clientId, SIGNED_JWT[clientId])), ...form }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const introspectionUrl = `${tokenUrl()}/introspect`;
const scopesOf = (token: string) => String(claimsOf(token).scope).split(' ').sort();

describe('Keycloak rules the chain relies on', () => {
  let serviceA: string;

  beforeAll(async () => {
    serviceA = await serviceToken('service-a');
  });

  describe('standard token exchange of a service-account token', () => {
    it("accepts service-a's client-credentials token as subject: sub stays service-a's account, azp service-b, aud service-c, no act", async () => {
      const subject = claimsOf(serviceA);
      const exchanged = claimsOf(await exchangeAsServiceB(serviceA, FOR_C.scope, FOR_C.audience));

      expect(exchanged.sub).toBe(subject.sub);
      expect(exchanged.preferred_username).toBe('service-account-service-a');
      expect(exchanged.azp).toBe('service-b');
      // A single audience is a string in Keycloak's tokens.
      expect([exchanged.aud].flat()).toEqual(['service-c']);
      // Impersonation only: the actor is visible as azp, never as an RFC 8693 act claim.
      expect(exchanged).not.toHaveProperty('act');
    });

    it('audience only narrows: without the optional scope service-c-audience the exchange fails with "Requested audience not available"', async () => {
      const answer = await postAs('service-b', tokenUrl(), {
        ...EXCHANGE,
        subject_token: serviceA,
        audience: 'service-c',
        scope: 'analytics.run',
      });
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        error: 'invalid_request',
        error_description: 'Requested audience not available: service-c',
      });
      expect(answer.body).not.toHaveProperty('access_token');
    });

    it("builds the scope from service-b's client scopes: its defaults orders.approve and inventory.adjust come along with analytics.run", async () => {
      expect(scopesOf(serviceA)).toEqual(['email', 'orders.read', 'profile']);
      const exchanged = await exchangeAsServiceB(serviceA, FOR_C.scope, FOR_C.audience);
      expect(scopesOf(exchanged)).toEqual(['analytics.run', 'inventory.adjust', 'orders.approve', 'profile']);
      // Nothing of the subject's own scope is carried over.
      expect(scopesOf(exchanged)).not.toContain('orders.read');
    });

    it('adds an optional scope only when asked: without analytics.run in scope the token for service-c lacks it, the defaults still come', async () => {
      const exchanged = await exchangeAsServiceB(serviceA, 'service-c-audience', FOR_C.audience);
      expect(scopesOf(exchanged)).toEqual(['inventory.adjust', 'orders.approve', 'profile']);
    });

    it('refuses an exchange without subject_token instead of issuing a token of the requester (CVE-2026-9704)', async () => {
      const answer = await postAs('service-b', tokenUrl(), { ...EXCHANGE, ...FOR_C });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('invalid_request');
      expect(answer.body).not.toHaveProperty('access_token');
    });
  });

  describe('introspection', () => {
    it("answers active: false to a client that is not in the token's aud, active: true to one that is", async () => {
      const asC = await postAs('service-c', introspectionUrl, { token: serviceA });
      expect(asC).toEqual({ status: 200, body: { active: false } });
      const asB = await postAs('service-b', introspectionUrl, { token: serviceA });
      expect(asB.status).toBe(200);
      expect(asB.body).toMatchObject({ active: true, azp: 'service-a', client_id: 'service-a' });
    });

    it('answers an alg: none token with HTTP 200 active: false', async () => {
      const algNone = new UnsecuredJWT(claimsOf(serviceA)).encode();
      const answer = await postAs('service-b', introspectionUrl, { token: algNone });
      expect(answer).toEqual({ status: 200, body: { active: false } });
    });

    it('answers a token whose header has no alg at all with HTTP 400 invalid_request, not active: false', async () => {
      const [, payload, signature] = serviceA.split('.');
      const header = Buffer.from(JSON.stringify({ typ: 'JWT' })).toString('base64url');
      const answer = await postAs('service-b', introspectionUrl, {
        token: `${header}.${payload}.${signature}`,
      });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: 'invalid_request' });
    });

    it("the library reads Keycloak's verdict on an alg: none token as inactive: 401 token_inactive, not an outage", async () => {
      const resolved = resolveKeycloakAuthOptions({
        url: KEYCLOAK_URL,
        realm: REALM,
        clientId: 'service-b',
        clientAuthMethod: 'private_key_jwt',
        clientKeys: { dir: keysDirOf('service-b') },
        audience: 'service-b',
        mode: 'introspection',
      });
      // The verifier refuses alg none itself before any call; widened here so that Keycloak's answer decides.
      const widened = { ...resolved, algorithms: ['none'] };
      const oauth = new KeycloakOAuthClient(widened);
      const verifier = new IntrospectionTokenVerifier(widened, systemClock, oauth);
      try {
        const error = await verifier.verify(new UnsecuredJWT(claimsOf(serviceA)).encode()).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(InvalidTokenError);
        expect(error).toMatchObject({ code: 'token_inactive' });
        expect((error as InvalidTokenError).getStatus()).toBe(401);
      } finally {
        await oauth.close();
      }
    });
  });
});

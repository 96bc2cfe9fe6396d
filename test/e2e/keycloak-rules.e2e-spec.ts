import { keysDirOf } from './support/client-keys';
import { InvalidTokenError } from 'nest-keycloak-s2s/errors';
import { KeycloakOAuthClient } from 'nest-keycloak-s2s/oauth';
import { resolveKeycloakAuthOptions } from 'nest-keycloak-s2s/options';
import { generateKeyPair, UnsecuredJWT } from 'jose';
import { DpopProofMaker } from 'nest-keycloak-s2s/dpop';
import {
  adminClient,
  claimsOf,
  exchangeAsServiceB,
  KEYCLOAK_URL,
  REALM,
  SIGNED_JWT,
  clientAuthFields,
  serviceToken,
  temporaryClient,
  tokenFrom,
  tokenUrl,
} from './support/keycloak';
import { boundServiceToken, dpopKey, exchangeForm, tokenRequest } from './support/dpop';

// The Keycloak rules the chain is built on (docs/library.md, "Token exchange of a service-account token: what
// Keycloak does"; docs/security.md, "Security suite"), asked of the server directly, without the services in
// between: when an upgrade changes one of them, this file says which.

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

    it('refuses an exchange without subject_token instead of issuing a token of the requester (CVE-2026-9704)', async () => {
      const answer = await postAs('service-b', tokenUrl(), { ...EXCHANGE, ...FOR_C });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('invalid_request');
      expect(answer.body).not.toHaveProperty('access_token');
    });
  });

  describe("the scope of an exchanged token: the requester's default client scopes always, its optional ones only when asked", () => {
    /** service-b's client scopes as the server has them, only those written into `scope` (include.in.token.scope). */
    let ofB: { defaults: string[]; optionals: string[] };
    /** A token for service-b without `profile`: it tells service-b's default scopes from the subject's own. */
    let withoutProfile: string;
    let removeClient: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      const admin = await adminClient();
      const [b] = await admin.clients.find({ clientId: 'service-b' });
      // The per-client lists name the scopes only; the realm's list has their attributes.
      const inTokenScope = new Set(
        (await admin.clientScopes.find())
          .filter((scope) => scope.attributes?.['include.in.token.scope'] !== 'false')
          .map((scope) => scope.name),
      );
      const written = (scopes: { name?: string }[]) =>
        scopes
          .map((scope) => scope.name!)
          .filter((name) => inTokenScope.has(name))
          .sort();
      ofB = {
        defaults: written(await admin.clients.listDefaultClientScopes({ id: b.id! })),
        optionals: written(await admin.clients.listOptionalClientScopes({ id: b.id! })),
      };
      const clientId = 'e2e-rules-without-profile';
      const client = await temporaryClient(admin, clientId, ['basic', 'service-b-audience', 'orders.read']);
      removeClient = client.remove;
      withoutProfile = await tokenFrom(clientId, client.secret, { grant_type: 'client_credentials' });
    });

    afterAll(async () => {
      await removeClient?.();
    });

    it("the server has service-b's permissions as optional scopes; profile is the one default written into scope", () => {
      expect(ofB).toEqual({
        defaults: ['profile'],
        optionals: ['analytics.run', 'inventory.adjust', 'orders.approve'],
      });
    });

    it("what service-b asks for gives exactly analytics.run and profile: nothing of the subject's scope, none of service-b's other optional scopes", async () => {
      expect(scopesOf(serviceA)).toEqual(['email', 'orders.read', 'profile']);
      const exchanged = await exchangeAsServiceB(serviceA, FOR_C.scope, FOR_C.audience);
      expect(scopesOf(exchanged)).toEqual(['analytics.run', 'profile']);
    });

    it.each([
      'service-c-audience',
      'analytics.run service-c-audience',
      'analytics.run orders.approve service-c-audience',
      'analytics.run inventory.adjust orders.approve service-c-audience',
    ])(
      'asked for "%s": the defaults of service-b plus exactly the optional scopes asked for',
      async (scope) => {
        const asked = scope.split(' ').filter((name) => ofB.optionals.includes(name));
        const exchanged = await exchangeAsServiceB(serviceA, scope, FOR_C.audience);
        expect(scopesOf(exchanged)).toEqual([...ofB.defaults, ...asked].sort());
      },
    );

    it("the defaults come from the requester, not the subject: a subject token without profile comes back with service-b's profile", async () => {
      expect(scopesOf(withoutProfile)).toEqual(['orders.read']);
      const exchanged = await exchangeAsServiceB(withoutProfile, FOR_C.scope, FOR_C.audience);
      expect(scopesOf(exchanged)).toEqual(['analytics.run', 'profile']);
    });

    it("a scope that is not one of the requester's (service-a's orders.read) is refused: 400 invalid_scope", async () => {
      const answer = await postAs('service-b', tokenUrl(), {
        ...EXCHANGE,
        subject_token: serviceA,
        audience: FOR_C.audience,
        scope: `${FOR_C.scope} orders.read`,
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('invalid_scope');
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

    it("the library reads Keycloak's verdicts on an alg: none and a no-alg token as inactive, not as an outage", async () => {
      // The verifier refuses both itself before any call; its OAuth client is asked directly, so Keycloak decides.
      const oauth = new KeycloakOAuthClient(
        resolveKeycloakAuthOptions({
          url: KEYCLOAK_URL,
          realm: REALM,
          clientId: 'service-b',
          clientAuth: { method: 'private_key_jwt', keys: { dir: keysDirOf('service-b') } },
          audience: 'service-b',
          mode: 'introspection',
        }),
      );
      try {
        const algNone = new UnsecuredJWT(claimsOf(serviceA)).encode();
        await expect(oauth.introspect(algNone)).resolves.toMatchObject({ active: false });
        const [, payload, signature] = serviceA.split('.');
        const noAlg = `${Buffer.from(JSON.stringify({ typ: 'JWT' })).toString('base64url')}.${payload}.${signature}`;
        const error = await oauth.introspect(noAlg).then(
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

  describe('DPoP (RFC 9449)', () => {
    it('binds a client-credentials token to the proof key: token_type DPoP, typ DPoP, cnf.jkt its thumbprint (and an extra kc-jkt-type)', async () => {
      const key = await dpopKey();
      const answer = await tokenRequest('service-a', { grant_type: 'client_credentials' }, key);
      expect(answer.status).toBe(200);
      expect(answer.body.token_type).toBe('DPoP');
      const claims = claimsOf(String(answer.body.access_token));
      expect(claims.typ).toBe('DPoP');
      expect(claims.cnf).toEqual({ jkt: await key.thumbprint(), 'kc-jkt-type': 'DPoP' });
    });

    // The library's DPoP key may be EdDSA (default), ES256 or PS256 (`dpop.keyAlgorithm`): Keycloak binds tokens to
    // each, and takes an Ed25519 proof only under the name EdDSA (openid-client writes RFC 9864's Ed25519, which
    // the library renames in its proofs to the token endpoint).
    it.each(['PS256', 'EdDSA'] as const)('binds a token to a %s proof key', async (alg) => {
      const key = new DpopProofMaker(await generateKeyPair(alg), undefined, alg);
      const answer = await tokenRequest('service-a', { grant_type: 'client_credentials' }, key);
      expect(answer.status).toBe(200);
      expect(claimsOf(String(answer.body.access_token)).cnf).toMatchObject({ jkt: await key.thumbprint() });
    });

    it('refuses an Ed25519 proof whose alg is Ed25519', async () => {
      const key = new DpopProofMaker(await generateKeyPair('Ed25519'), undefined, 'Ed25519');
      const answer = await tokenRequest('service-a', { grant_type: 'client_credentials' }, key);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        error: 'invalid_request',
        error_description: 'Unsupported DPoP algorithm: Ed25519',
      });
    });

    it('introspection answers token_type DPoP and the same cnf', async () => {
      const key = await dpopKey();
      const bound = await boundServiceToken('service-a', key);
      const answer = await postAs('service-b', introspectionUrl, { token: bound });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ active: true, token_type: 'DPoP', cnf: claimsOf(bound).cnf });
    });

    // While this holds, a hop that exchanges its caller's token (service-b's /api/process) cannot require DPoP of
    // that caller; when it fails, Keycloak exchanges bound tokens and the service-a → service-b hop can be bound too.
    it.each([
      ['without a proof of the requester', false],
      ["with the requester's own proof", true],
    ])('refuses to exchange a DPoP-bound subject token, %s', async (_name, withProof) => {
      const subject = await boundServiceToken('service-a', await dpopKey());
      const answer = await tokenRequest(
        'service-b',
        exchangeForm(subject),
        withProof ? await dpopKey() : undefined,
      );
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        error: 'invalid_request',
        error_description:
          'Sender-constrained token exchange rejected as the token was not issued for the requesting client',
      });
    });

    it("exchanges a bearer subject token sent with the requester's proof into a token bound to the requester's key", async () => {
      const key = await dpopKey();
      const answer = await tokenRequest('service-b', exchangeForm(serviceA), key);
      expect(answer.status).toBe(200);
      expect(answer.body.token_type).toBe('DPoP');
      const claims = claimsOf(String(answer.body.access_token));
      expect(claims).toMatchObject({ typ: 'DPoP', azp: 'service-b', cnf: { jkt: await key.thumbprint() } });
    });
  });
});

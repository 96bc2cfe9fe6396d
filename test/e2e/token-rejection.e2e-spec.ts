import KcAdminClient from '@keycloak/keycloak-admin-client';
import {
  adminClient,
  exchangeAsServiceB,
  serviceToken,
  stacks,
  temporaryClient,
  tokenFrom,
} from './support/keycloak';
import { Answer, post } from './support/http';

const ORDER = { order_id: 9876, amount: 1500 };
const INVALID_TOKEN = /^Bearer realm="s2s", error="invalid_token", error_description="[^"]+"$/;

function expectInvalidToken(res: Answer) {
  expect(res.status).toBe(401);
  expect(res.wwwAuthenticate).toMatch(INVALID_TOKEN);
  expect(res.body).toMatchObject({ statusCode: 401, error: 'invalid_token' });
}

function expectInsufficientScope(res: Answer, scope?: string) {
  expect(res.status).toBe(403);
  expect(res.wwwAuthenticate).toMatch(/^Bearer realm="s2s", error="insufficient_scope"/);
  if (scope) expect(res.wwwAuthenticate).toContain(`scope="${scope}"`);
  expect(res.body).toMatchObject({ statusCode: 403, error: 'insufficient_scope' });
}

describe('tokens the chain refuses (real Keycloak tokens)', () => {
  let admin: KcAdminClient;
  let expiredToken: string;
  let noScopeToken: string;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    admin = await adminClient();
    // A client whose tokens live 1 s: a genuinely expired Keycloak token, not a hand-made one.
    const shortLived = await temporaryClient(
      admin,
      'e2e-short-lived',
      ['basic', 'service-b-audience', 'orders.read'],
      {
        'access.token.lifespan': '1',
      },
    );
    cleanups.push(shortLived.remove);
    // A client that may address service-b but was never granted orders.read.
    const noScope = await temporaryClient(admin, 'e2e-no-orders-scope', ['basic', 'service-b-audience']);
    cleanups.push(noScope.remove);
    expiredToken = await tokenFrom('e2e-short-lived', shortLived.secret, {
      grant_type: 'client_credentials',
    });
    noScopeToken = await tokenFrom('e2e-no-orders-scope', noScope.secret, {
      grant_type: 'client_credentials',
    });
    // Past exp plus the services' 5 s clock tolerance.
    await new Promise((resolve) => setTimeout(resolve, 7_000));
  });

  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  describe.each(['jwt', 'introspection'] as const)('%s mode', (mode) => {
    const stack = stacks()[mode];
    const processUrl = () => `${stack['service-b']}/api/process`;
    const computeUrl = () => `${stack['service-c']}/api/compute`;

    it('refuses a request without a token with 401 invalid_token', async () => {
      expectInvalidToken(await post(processUrl(), ORDER));
    });

    it('refuses another authentication scheme', async () => {
      expectInvalidToken(
        await post(processUrl(), ORDER, { authorization: 'Basic c2VydmljZS1hOnNlY3JldA==' }),
      );
    });

    it('refuses a malformed bearer token', async () => {
      expectInvalidToken(await post(processUrl(), ORDER, { token: 'not-a-jwt' }));
      expectInvalidToken(await post(processUrl(), ORDER, { token: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln' }));
    });

    it('refuses an expired token', async () => {
      const res = await post(processUrl(), ORDER, { token: expiredToken });
      expectInvalidToken(res);
      expect(res.body.code).toBe(mode === 'jwt' ? 'token_expired' : 'token_inactive');
    });

    it('refuses a token whose signature was tampered with', async () => {
      const token = await serviceToken('service-a');
      const [h, p, s] = token.split('.');
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
      claims.scope = `${claims.scope} orders.approve`;
      const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
      expectInvalidToken(await post(processUrl(), ORDER, { token: forged }));
    });

    it("refuses service-a's token sent straight to service-c (audience is service-b)", async () => {
      const res = await post(computeUrl(), { value: 10 }, { token: await serviceToken('service-a') });
      expectInvalidToken(res);
      expect(res.body.code).toBe('token_audience_invalid');
    });

    it("refuses service-c's exchanged token replayed to service-b (audience is service-c)", async () => {
      const forC = await exchangeAsServiceB(
        await serviceToken('service-a'),
        'analytics.run service-c-audience',
      );
      const res = await post(processUrl(), ORDER, { token: forC });
      expectInvalidToken(res);
      expect(res.body.code).toBe('token_audience_invalid');
    });

    it("refuses service-b's own client-credentials token at service-c (not meant for it)", async () => {
      expectInvalidToken(await post(computeUrl(), { value: 10 }, { token: await serviceToken('service-b') }));
    });

    it('answers 403 insufficient_scope naming orders.read to a token for service-b without that scope', async () => {
      expectInsufficientScope(await post(processUrl(), ORDER, { token: noScopeToken }), 'orders.read');
    });

    it('answers 403 insufficient_scope naming analytics.run to an exchanged token without it', async () => {
      const forC = await exchangeAsServiceB(await serviceToken('service-a'), 'service-c-audience');
      expectInsufficientScope(await post(computeUrl(), { value: 10 }, { token: forC }), 'analytics.run');
    });

    it('lets the same exchanged token through when it carries analytics.run (the check is not blanket)', async () => {
      const forC = await exchangeAsServiceB(
        await serviceToken('service-a'),
        'analytics.run service-c-audience',
      );
      const res = await post(computeUrl(), { value: 21 }, { token: forC });
      expect(res.status).toBe(200);
      expect(res.body.result).toBe(42);
    });
  });
});

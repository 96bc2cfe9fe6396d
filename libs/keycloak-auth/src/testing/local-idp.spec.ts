import { decodeJwt } from 'jose';
import { JwtTokenVerifier } from '../verification/jwt-token.verifier';
import { LOCAL_IDP_DEFAULT_CLAIMS, LocalIdp, TestClock } from './local-idp';

describe('LocalIdp defaults', () => {
  let idp: LocalIdp | undefined;
  afterEach(() => idp?.stop());

  it('are neutral: realm local-idp, my-client calling my-service, no roles and no scopes but profile', async () => {
    idp = await LocalIdp.start();
    expect(idp.issuer).toBe(`${idp.url}/realms/local-idp`);
    const claims = decodeJwt(await idp.issue());
    expect(claims).toMatchObject({ ...LOCAL_IDP_DEFAULT_CLAIMS, iss: idp.issuer, typ: 'Bearer' });
    expect(claims).not.toHaveProperty('realm_access');
    expect(claims).not.toHaveProperty('resource_access');
    expect(idp.moduleOptions()).toEqual({
      url: idp.url,
      realm: 'local-idp',
      clientId: 'my-service',
      clientAuth: { method: 'client_secret_basic', secret: 'my-service-secret' },
      mode: 'jwt',
      audience: 'my-service',
    });
  });

  it('the default token passes the default options, as defaultPrincipal() says', async () => {
    idp = await LocalIdp.start();
    const options = idp.options();
    const verifier = new JwtTokenVerifier(options.home, options, new TestClock());
    expect(await verifier.verify(await idp.issue())).toMatchObject(idp.defaultPrincipal());
    expect(idp.defaultPrincipal()).toMatchObject({
      clientId: 'my-client',
      audience: ['my-service'],
      scopes: ['profile'],
      realmRoles: [],
      clientRoles: {},
    });
  });

  it("takes a service's own claims and options at start; per-token claims and per-call options still win", async () => {
    idp = await LocalIdp.start({
      realm: 'shop',
      claims: {
        aud: 'invoices-api',
        azp: 'billing-worker',
        scope: 'invoices.read',
        resource_access: { 'invoices-api': { roles: ['reader'] } },
      },
      moduleOptions: { clientId: 'invoices-api', audience: 'invoices-api', mode: 'introspection' },
    });
    expect(decodeJwt(await idp.issue({ scope: 'other', sub: undefined }))).toMatchObject({
      iss: `${idp.url}/realms/shop`,
      aud: 'invoices-api',
      azp: 'billing-worker',
      scope: 'other',
    });
    expect(decodeJwt(await idp.issue({ sub: undefined }))).not.toHaveProperty('sub');
    expect(idp.moduleOptions({ mode: 'jwt' })).toMatchObject({
      realm: 'shop',
      clientId: 'invoices-api',
      audience: 'invoices-api',
      mode: 'jwt',
    });
    expect(idp.defaultPrincipal()).toMatchObject({
      clientId: 'billing-worker',
      scopes: ['invoices.read'],
      clientRoles: { 'invoices-api': ['reader'] },
    });
    const options = idp.options({ mode: 'jwt' });
    const verifier = new JwtTokenVerifier(options.home, options, new TestClock());
    expect(await verifier.verify(await idp.issue())).toMatchObject(idp.defaultPrincipal());
  });
});

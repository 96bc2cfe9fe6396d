import { keycloakDispatcher } from 'nest-keycloak-s2s/oauth';
import { resolveKeycloakAuthOptions } from 'nest-keycloak-s2s/options';
import type { Dispatcher } from 'undici';
import { LocalIdp } from 'nest-keycloak-s2s/testing';
import { throwawayPki, ThrowawayPki } from '../../../../test/support/throwaway-ca';
import { OidcClient } from './oidc.client';
import { startS2sIdp } from '../../../../test/support/s2s-idp';

/** service-a's OIDC client against a loopback realm served over https with a throwaway CA's certificate. */
describe('OidcClient with Keycloak behind a private CA', () => {
  let pki: ThrowawayPki;
  let idp: LocalIdp;

  beforeAll(async () => {
    pki = throwawayPki();
    idp = await startS2sIdp({ tls: pki.server });
    idp.tokenAnswer = {
      status: 200,
      body: { access_token: 'user-token', token_type: 'Bearer', expires_in: 300, refresh_token: 'r-1' },
    };
  });

  const pools: Dispatcher[] = [];
  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.close()));
    await idp.stop();
  });

  /** The client as the module builds it: over the one pool made from the options' CA. */
  const client = (ca?: string) => {
    const options = resolveKeycloakAuthOptions({
      url: idp.url,
      realm: 's2s',
      clientId: 'service-a',
      clientAuth: { method: 'client_secret_basic', secret: 'a-secret' },
      mode: 'jwt',
      audience: 'service-a',
      http: { timeoutMs: 2000, ca },
    });
    const pool = keycloakDispatcher(options.http.ca);
    pools.push(pool);
    return new OidcClient(options, pool, null);
  };

  it('trusts the configured CA for its calls to the token endpoint', async () => {
    const login = await client(pki.ca).passwordLogin('alice', 'pw');
    expect(login.tokens).toMatchObject({ accessToken: 'user-token', refreshToken: 'r-1' });
    expect(idp.forms.token.at(-1)?.get('grant_type')).toBe('password');
  });

  it('without that CA the call fails as 503 idp_unavailable, and no request reaches the realm', async () => {
    const before = idp.requests.token;
    const failure = await client()
      .passwordLogin('alice', 'pw')
      .catch((e: unknown) => e);
    expect(failure).toMatchObject({ status: 503, response: { error: 'idp_unavailable' } });
    // Told as the library tells it: the origin and the TLS error, nothing of the request.
    expect((failure as { response: { message: string } }).response.message).toMatch(
      /^Keycloak unreachable at https:\/\/127\.0\.0\.1:\d+: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)$/,
    );
    expect(idp.requests.token).toBe(before);
  });
});

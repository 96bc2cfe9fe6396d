import { BadRequestException } from '@nestjs/common';
import type { ResolvedKeycloakAuthOptions } from 'nest-keycloak-s2s';
import { LocalIdp } from 'nest-keycloak-s2s/testing';
import { createRemoteJWKSet, decodeJwt, generateKeyPair, RemoteJWKSet, SignJWT } from 'jose';
import { BACKCHANNEL_LOGOUT_EVENT, BackchannelLogout, MemoryLogoutJtiStore } from './backchannel-logout';
import { MemorySessionStore, Session } from './session.store';
import { startS2sIdp } from '../../../../test/support/s2s-idp';

describe('BackchannelLogout (OIDC Back-Channel Logout 1.0 §2.6)', () => {
  let idp: LocalIdp;
  let options: ResolvedKeycloakAuthOptions;
  let keys: RemoteJWKSet;
  let store: MemorySessionStore;
  let logout: BackchannelLogout;

  const session = (id: string, sub: string, sid: string): Session => ({
    id,
    user: { sub, username: sub, sid },
  });

  beforeAll(async () => {
    idp = await startS2sIdp();
    options = idp.options({ clientId: 'service-a', audience: 'service-a' });
    keys = createRemoteJWKSet(new URL(options.home.endpoints.jwks));
  });
  afterAll(async () => {
    await idp.stop();
  });

  beforeEach(async () => {
    store = new MemorySessionStore(1800);
    await store.set(session('a1', 'alice', 'kc-1'));
    await store.set(session('a2', 'alice', 'kc-2'));
    await store.set(session('b1', 'bob', 'kc-3'));
    logout = new BackchannelLogout(
      options,
      new Map([[options.home.issuer, keys]]),
      store,
      new MemoryLogoutJtiStore(),
    );
  });

  /** A logout token as Keycloak makes one for service-a, with `claims` changed. */
  const logoutToken = (claims: Record<string, unknown> = {}) =>
    idp.issue({
      aud: 'service-a',
      azp: undefined,
      typ: 'Logout',
      scope: undefined,
      preferred_username: undefined,
      realm_access: undefined,
      resource_access: undefined,
      sub: 'alice',
      sid: 'kc-1',
      events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
      ...claims,
    });
  const remaining = async () =>
    (
      await Promise.all(['a1', 'a2', 'b1'].map(async (id) => ((await store.get(id)) ? id : undefined)))
    ).filter(Boolean);

  it('ends the sessions of the Keycloak session it names (sid), and no other', async () => {
    await expect(logout.logOut(await logoutToken())).resolves.toBe(1);
    expect(await remaining()).toEqual(['a2', 'b1']);
  });

  it('without sid, ends every session of the user it names (sub)', async () => {
    await expect(logout.logOut(await logoutToken({ sid: undefined }))).resolves.toBe(2);
    expect(await remaining()).toEqual(['b1']);
  });

  it.each([
    ['replayed (the same jti twice)', { jti: 'once' }, true],
    ['carrying a nonce (an ID token passed off as a logout token)', { nonce: 'n' }, false],
    ['without the back-channel logout event', { events: { other: {} } }, false],
    ['without events', { events: undefined }, false],
    ['naming neither sid nor sub', { sid: undefined, sub: undefined }, false],
    ['for another client (aud)', { aud: 'service-b' }, false],
    ['from another issuer', { iss: 'http://127.0.0.1:1/realms/other' }, false],
    ['issued three minutes ago', { iat: Math.floor(Date.now() / 1000) - 180 }, false],
    ['without jti', { jti: undefined }, false],
  ])('refuses a logout token %s with 400, ending nothing', async (_name, claims, firstPasses) => {
    const token = await logoutToken(claims);
    if (firstPasses) {
      await logout.logOut(token);
      await store.set(session('a1', 'alice', 'kc-1'));
    }
    const error = await logout.logOut(token).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestException);
    expect((error as BadRequestException).getResponse()).toMatchObject({
      statusCode: 400,
      error: 'invalid_request',
    });
    expect(await remaining()).toEqual(['a1', 'a2', 'b1']);
  });

  it('refuses a token signed by a key the realm never published', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT(decodeJwt(await logoutToken()))
      .setProtectedHeader({ alg: 'RS256', kid: idp.signingKey.kid })
      .sign(privateKey);
    await expect(logout.logOut(forged)).rejects.toBeInstanceOf(BadRequestException);
    expect(await remaining()).toEqual(['a1', 'a2', 'b1']);
  });
});

import type { Dispatcher } from 'undici';
import { keycloakDispatcher } from '../transport/keycloak-tls';
import { realmJwks } from '../verification/realm-jwks';
import { LocalIdp } from '../testing/local-idp';
import { KeycloakReadiness } from './keycloak-readiness';
import { startS2sIdp } from '../../../../test/support/s2s-idp';

describe('KeycloakReadiness', () => {
  let idp: LocalIdp;
  let pool: Dispatcher;

  beforeEach(async () => {
    idp = await startS2sIdp();
    pool = keycloakDispatcher();
  });
  afterEach(async () => {
    vi.useRealTimers();
    await pool.close();
    await idp.stop();
  });

  const readiness = (mode: 'jwt' | 'introspection', timeoutMs?: number) => {
    const options = idp.options({ mode, jwks: { cacheMaxAgeMs: 60_000 }, http: { timeoutMs: 400 } });
    const keys = new Map([[options.home.issuer, realmJwks(options.home, options, pool)]]);
    return new KeycloakReadiness(options, keys, pool, timeoutMs);
  };

  describe('jwt mode', () => {
    it('fetches the keys when it holds none (warming the cache), then answers from the cache', async () => {
      const check = readiness('jwt');
      await expect(check.check()).resolves.toEqual({ ready: true, detail: 'signing keys fetched' });
      await expect(check.check()).resolves.toEqual({ ready: true, detail: 'signing keys cached' });
      expect(idp.requests.jwks).toBe(1);
    });

    it('stays ready while Keycloak is down and the keys are younger than their max age; unready after', async () => {
      // jose ages the set by Date.now(): a fake Date moves past the max age without waiting.
      vi.useFakeTimers({ toFake: ['Date'] });
      const check = readiness('jwt');
      await check.check();
      const fetchedAt = Date.now();
      await idp.stop();
      vi.setSystemTime(fetchedAt + 59_000);
      await expect(check.check()).resolves.toEqual({ ready: true, detail: 'signing keys cached' });
      vi.setSystemTime(fetchedAt + 60_001);
      const stale = await check.check();
      expect(stale.ready).toBe(false);
      expect(stale.detail).toMatch(
        /^signing keys unavailable: Keycloak unreachable at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED$/,
      );
      await idp.restart();
      await expect(check.check()).resolves.toEqual({ ready: true, detail: 'signing keys fetched' });
    });

    it('is unready when the JWKS endpoint fails, naming it, and waits no longer than its timeout', async () => {
      idp.jwksAnswer = { status: 503, body: {} };
      await expect(readiness('jwt').check()).resolves.toEqual({
        ready: false,
        detail: 'signing keys unavailable',
      });
      idp.jwksAnswer = undefined;
      idp.behaviour.jwks = 'hang';
      await expect(readiness('jwt', 200).check()).resolves.toEqual({
        ready: false,
        detail: 'no answer within 200 ms',
      });
    });
  });

  describe('introspection mode', () => {
    it('is ready when Keycloak answers, and asks it every time', async () => {
      const check = readiness('introspection');
      await expect(check.check()).resolves.toEqual({ ready: true, detail: 'Keycloak answers' });
      await check.check();
      expect(idp.requests.jwks).toBe(2);
    });

    it('is unready as soon as Keycloak is down, whatever it fetched before', async () => {
      const check = readiness('introspection');
      await check.check();
      await idp.stop();
      await expect(check.check()).resolves.toEqual({ ready: false, detail: 'ECONNREFUSED' });
      idp.behaviour.jwks = 'hang';
      await idp.restart();
      await expect(readiness('introspection', 200).check()).resolves.toEqual({
        ready: false,
        detail: 'no answer within 200 ms',
      });
    });
  });
});

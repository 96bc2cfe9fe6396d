import type { KeycloakAuthOptions } from '../config/keycloak-auth.options';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, SignJWT } from 'jose';
import { ClientConfigurationError } from '../core/errors';
import { resolveKeycloakAuthOptions } from '../config/resolve-options';
import { loadClientKeys } from './load-client-keys';
import { LocalIdp } from '../testing/local-idp';
import { rejectionOf } from '../../../../test/support/rejection';
import { JWT_BEARER_ASSERTION_TYPE } from './federated-jwt';
import { KeycloakOAuthClient } from './keycloak-oauth.client';
import { startS2sIdp } from '../../../../test/support/s2s-idp';

/** A token as a kubelet writes it: signed by the cluster's issuer, for the realm, `sub` the service account. */
async function workloadToken(sub: string, expiresInSec = 600): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: 'cluster' })
    .setIssuer('https://kubernetes.default.svc.cluster.local')
    .setAudience('http://keycloak:8080/realms/s2s')
    .setSubject(sub)
    .setIssuedAt(now - 10)
    .setExpirationTime(now + expiresInSec)
    .sign(privateKey);
}

describe('federated_jwt client authentication (a token file as RFC 7523 client assertion)', () => {
  let dir: string;
  let file: string;
  let idp: LocalIdp;
  let client: KeycloakOAuthClient | undefined;
  const federated = (overrides: Partial<KeycloakAuthOptions> = {}) =>
    (client = new KeycloakOAuthClient(
      idp.options({ clientAuth: { method: 'federated_jwt', assertionFile: file }, ...overrides }),
    ));

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'federated-jwt-'));
    file = join(dir, 'token');
    writeFileSync(file, `${await workloadToken('system:serviceaccount:s2s:service-b')}\n`);
    idp = await startS2sIdp();
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
    await idp.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends the file’s token as client_assertion (jwt-bearer type), names the client, and sends no secret', async () => {
    const oauth = federated();
    await oauth.clientCredentials();
    await oauth.introspect('some-token');
    const token = (await import('node:fs')).readFileSync(file, 'utf8').trim();
    for (const form of [idp.forms.token[0], idp.forms.introspect[0]]) {
      expect(form.get('client_assertion_type')).toBe(JWT_BEARER_ASSERTION_TYPE);
      expect(form.get('client_assertion')).toBe(token);
      expect(form.get('client_id')).toBe('service-b');
      expect(form.has('client_secret')).toBe(false);
    }
    expect(idp.authorizations).toEqual(['', '']);
  });

  it('reads the file again at every call: a token the kubelet wrote meanwhile is the one sent', async () => {
    const oauth = federated();
    await oauth.clientCredentials();
    const refreshed = await workloadToken('system:serviceaccount:s2s:service-b', 900);
    writeFileSync(file, refreshed);
    await oauth.clientCredentials('orders.read');
    expect(idp.forms.token[0].get('client_assertion')).not.toBe(refreshed);
    expect(idp.forms.token[1].get('client_assertion')).toBe(refreshed);
  });

  it.each([
    [
      'an expired token',
      async () => workloadToken('system:serviceaccount:s2s:service-b', -5),
      /expired at 20/,
    ],
    ['no JWT', async () => 'not-a-jwt', /holds no JWT/],
  ])(
    'refuses to send %s: 503 idp_rejected_client naming the file, Keycloak not called',
    async (_n, content, why) => {
      const oauth = federated();
      const token = await content();
      writeFileSync(file, token);
      const error = await rejectionOf(oauth.clientCredentials());
      expect(error).toBeInstanceOf(ClientConfigurationError);
      expect(error.getStatus?.()).toBe(503);
      expect(error.code).toBe('idp_rejected_client');
      expect(error.message).toMatch(why);
      expect(error.message).toContain(file);
      expect(error.message).not.toContain(token.slice(0, 20));
      expect(idp.requests.token).toBe(0);
    },
  );

  it('refuses a file that disappeared after start (503 idp_rejected_client, the error code named)', async () => {
    const oauth = federated();
    rmSync(file);
    const error = await rejectionOf(oauth.introspect('some-token'));
    expect(error.code).toBe('idp_rejected_client');
    expect(error.message).toMatch(/cannot be read \(ENOENT\)/);
    expect(idp.requests.introspect).toBe(0);
  });

  describe('options', () => {
    const base = {
      url: 'http://keycloak:8080',
      realm: 's2s',
      clientId: 'service-b',
      mode: 'introspection' as const,
      audience: 'service-b',
    };
    // The resolver's refusals, then the start's: the assertion file must be readable when the service starts.
    const refusal = (options: Record<string, unknown>) => {
      try {
        loadClientKeys(resolveKeycloakAuthOptions({ ...base, ...options } as KeycloakAuthOptions));
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error(`options ${JSON.stringify(options)} were accepted`);
    };

    it('resolves with the file and without a secret, in introspection mode too', () => {
      const resolved = resolveKeycloakAuthOptions({
        ...base,
        clientAuth: { method: 'federated_jwt', assertionFile: file },
        additionalRealms: [{ realm: 'partners' }],
      });
      expect(resolved.realms.map((r) => r.clientAuth)).toEqual([
        { method: 'federated_jwt', assertionFile: file },
        { method: 'federated_jwt', assertionFile: file },
      ]);
    });

    it.each([
      [{ method: 'federated_jwt' }, /clientAuth\.assertionFile: is required with method federated_jwt/],
      [{ method: 'federated_jwt', assertionFile: ' ' }, /clientAuth\.assertionFile: is required/],
      [
        { method: 'federated_jwt', assertionFile: '/nonexistent/token' },
        /clientAuth\.assertionFile: cannot be read \(ENOENT\): \/nonexistent\/token/,
      ],
      [
        { method: 'federated_jwt', assertionFile: '/t', secret: 's' },
        /clientAuth\.secret: must not be set with method federated_jwt/,
      ],
    ])('refuses clientAuth %j, naming the key', (clientAuth, message) => {
      expect(refusal({ clientAuth })).toMatch(message);
    });

    it("refuses a secret of an additional realm: the assertion is every realm's credential", () => {
      expect(
        refusal({
          clientAuth: { method: 'federated_jwt', assertionFile: file },
          additionalRealms: [
            { realm: 'partners', clientAuth: { method: 'client_secret_basic', secret: 's' } },
          ],
        }),
      ).toMatch(/additionalRealms\[0\]\.clientAuth: must not be set with clientAuth method federated_jwt/);
    });

    it('refuses assertionFile with another method (it would be ignored)', () => {
      expect(
        refusal({ clientAuth: { method: 'client_secret_basic', secret: 's', assertionFile: file } }),
      ).toMatch(/clientAuth\.assertionFile: is not an option of method client_secret_basic/);
    });
  });
});

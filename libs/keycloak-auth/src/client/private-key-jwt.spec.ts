import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { addClientKey } from '../keys/client-key-file';
import { ClientKeySet } from '../keys/client-key-set';
import { privateKeyJwt } from './private-key-jwt';

const AS = { issuer: 'http://kc.test/realms/s2s' };
const CLIENT = { client_id: 'service-a' };

async function formOf(auth: ReturnType<typeof privateKeyJwt>): Promise<URLSearchParams> {
  const body = new URLSearchParams();
  await auth(AS, CLIENT, body, new Headers());
  return body;
}

describe('privateKeyJwt', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'pkjwt-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('sends a fresh assertion per request, signed by the key that signs now, as RFC 7523 §3 asks', async () => {
    const kid = addClientKey(dir);
    const keys = new ClientKeySet({ dir });
    const auth = privateKeyJwt(keys);
    const [one, two] = [await formOf(auth), await formOf(auth)];
    expect(one.get('client_id')).toBe('service-a');
    expect(one.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const jwks = createLocalJWKSet(keys.jwks());
    const { payload, protectedHeader } = await jwtVerify(one.get('client_assertion')!, jwks, {
      issuer: 'service-a',
      subject: 'service-a',
      audience: AS.issuer,
    });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid });
    expect(payload.exp! - payload.iat!).toBe(60);
    const second = await jwtVerify(two.get('client_assertion')!, jwks);
    expect(second.payload.jti).not.toBe(payload.jti);
  });

  it('lets a test change the assertion before it is signed', async () => {
    addClientKey(dir);
    const auth = privateKeyJwt(new ClientKeySet({ dir }), (header) => {
      header.kid = 'unpublished';
    });
    expect(decodeProtectedHeader((await formOf(auth)).get('client_assertion')!).kid).toBe('unpublished');
  });
});

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientKeySet } from 'nest-keycloak-s2s/client-keys';
import { clientAuthOptions } from './client-auth-env';
import { serviceEnvValidator } from './service-env';

const base = { KEYCLOAK_URL: 'http://localhost:8080', KEYCLOAK_REALM: 's2s', CLIENT_ID: 'service-b' };
const refusal = (env: Record<string, string>): string => {
  try {
    serviceEnvValidator({})(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('accepted');
};

describe('the client authentication keys of the environment', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'env-keys-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('default to a signed JWT with the keys in .keys/<CLIENT_ID>, and refuse to start when it holds none', () => {
    expect(refusal(base)).toMatch(/^Invalid configuration: CLIENT_KEYS_DIR: ENOENT.*'\.keys\/service-b'$/);
    expect(refusal({ ...base, CLIENT_KEYS_DIR: dir })).toBe(
      `Invalid configuration: CLIENT_KEYS_DIR: ${dir} holds no key (*.key.json)`,
    );
  });

  it('read the folder while the environment is checked, making a first key with CLIENT_KEYS_GENERATE', () => {
    const env = serviceEnvValidator({})({
      ...base,
      CLIENT_KEYS_DIR: join(dir, 'b'),
      CLIENT_KEYS_GENERATE: 'TRUE',
    });
    expect(env).toMatchObject({ CLIENT_AUTH_METHOD: 'private_key_jwt', CLIENT_KEYS_GENERATE: true });
    expect(readdirSync(join(dir, 'b'))).toHaveLength(1);
    const options = clientAuthOptions(env);
    expect(options.clientAuthMethod).toBe('private_key_jwt');
    expect(options.clientKeys).toBeInstanceOf(ClientKeySet);
    expect(options.clientKeys).toBe(env.CLIENT_KEYS);
  });

  it('send a CLIENT_SECRET given without method (client_secret_basic), and ignore it under private_key_jwt', () => {
    const env = serviceEnvValidator({})({ ...base, CLIENT_SECRET: 's' });
    expect(env).toMatchObject({ CLIENT_AUTH_METHOD: 'client_secret_basic', CLIENT_KEYS: undefined });
    expect(clientAuthOptions(env)).toEqual({ clientAuthMethod: 'client_secret_basic', clientSecret: 's' });
    const signed = serviceEnvValidator({})({
      ...base,
      CLIENT_AUTH_METHOD: 'private_key_jwt',
      CLIENT_SECRET: 's',
      CLIENT_KEYS_DIR: dir,
      CLIENT_KEYS_GENERATE: 'true',
    });
    expect(signed.CLIENT_SECRET).toBeUndefined();
    expect(clientAuthOptions(signed).clientAuthMethod).toBe('private_key_jwt');
  });

  it('name a bad method or flag', () => {
    expect(refusal({ ...base, CLIENT_AUTH_METHOD: 'client_secret_jwt', CLIENT_KEYS_GENERATE: 'yes' })).toBe(
      'Invalid configuration: CLIENT_AUTH_METHOD must be private_key_jwt or client_secret_basic, got "client_secret_jwt"; CLIENT_KEYS_GENERATE must be true or false, got "yes"',
    );
  });
});

import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveKeycloakAuthOptions } from 'nest-keycloak-s2s/options';
import { serviceEnvValidator } from './service-env';

const base = { KEYCLOAK_URL: 'http://localhost:8080', KEYCLOAK_REALM: 's2s', CLIENT_ID: 'service-b' };
const problemsOf = (env: Record<string, string>) => {
  try {
    serviceEnvValidator({})(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('accepted');
};

describe('the client-authentication keys of the service environment', () => {
  it('takes client_secret_basic when CLIENT_SECRET is set without a method, and then needs it', () => {
    expect(serviceEnvValidator({})({ ...base, CLIENT_SECRET: 's' }).CLIENT_AUTH_METHOD).toBe(
      'client_secret_basic',
    );
    expect(problemsOf({ ...base, CLIENT_AUTH_METHOD: 'client_secret_basic' })).toContain(
      'CLIENT_SECRET is required',
    );
  });

  it('defaults to private_key_jwt with the keys in .keys/<CLIENT_ID>, and refuses to start when it holds none', () => {
    // A client id no stack ever ran under, so that no `npm run stack` before this test made its folder.
    expect(problemsOf({ ...base, CLIENT_ID: 'env-check-nobody' })).toMatch(
      /^Invalid configuration: CLIENT_KEYS_DIR: ENOENT.*'\.keys\/env-check-nobody'$/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'env-keys-'));
    expect(problemsOf({ ...base, CLIENT_KEYS_DIR: dir })).toBe(
      `Invalid configuration: CLIENT_KEYS_DIR: ${dir} holds no key (*.key.json)`,
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the key folder while the environment is checked, making a first key with CLIENT_KEYS_GENERATE', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'env-keys-')), 'b');
    const env = serviceEnvValidator({})({ ...base, CLIENT_KEYS_DIR: dir, CLIENT_KEYS_GENERATE: 'TRUE' });
    expect(env).toMatchObject({
      CLIENT_AUTH_METHOD: 'private_key_jwt',
      CLIENT_KEYS_GENERATE: true,
      CLIENT_SECRET: '',
    });
    expect(readdirSync(dir)).toHaveLength(1);
    expect(env.KEYCLOAK_AUTH).toMatchObject({
      clientAuth: { method: 'private_key_jwt', keys: { dir, generate: true } },
    });
    expect(problemsOf({ ...base, CLIENT_KEYS_DIR: dir, CLIENT_KEYS_GENERATE: 'yes' })).toContain(
      'CLIENT_KEYS_GENERATE must be true or false, got "yes"',
    );
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });

  it('takes federated_jwt with CLIENT_ASSERTION_FILE and no secret, into the library options', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'client-auth-env-')), 'token');
    writeFileSync(file, 'a.b.c');
    const env = serviceEnvValidator({})({
      ...base,
      CLIENT_AUTH_METHOD: 'federated_jwt',
      CLIENT_ASSERTION_FILE: ` ${file} `,
    });
    expect(env).toMatchObject({
      CLIENT_AUTH_METHOD: 'federated_jwt',
      CLIENT_ASSERTION_FILE: file,
      CLIENT_SECRET: '',
    });
    expect(env.KEYCLOAK_AUTH.clientAuth).toEqual({ method: 'federated_jwt', assertionFile: file });
    expect(resolveKeycloakAuthOptions(env.KEYCLOAK_AUTH).home.clientAuth).toEqual({
      method: 'federated_jwt',
      assertionFile: file,
    });
  });

  it.each([
    [
      { CLIENT_AUTH_METHOD: 'private_key' },
      'CLIENT_AUTH_METHOD: must be one of client_secret_basic, private_key_jwt, federated_jwt, got "private_key"',
    ],
    [{ CLIENT_AUTH_METHOD: 'federated_jwt' }, 'CLIENT_ASSERTION_FILE: is required with method federated_jwt'],
    [
      { CLIENT_AUTH_METHOD: 'federated_jwt', CLIENT_ASSERTION_FILE: '/nonexistent/t' },
      'CLIENT_ASSERTION_FILE: cannot be read (ENOENT): /nonexistent/t',
    ],
    [
      { CLIENT_AUTH_METHOD: 'federated_jwt', CLIENT_ASSERTION_FILE: '/t', CLIENT_SECRET: 's' },
      'CLIENT_SECRET: must not be set with method federated_jwt',
    ],
  ])('refuses %j by the library rule: "%s"', (change, message) => {
    expect(problemsOf({ ...base, ...change })).toContain(message);
  });
});

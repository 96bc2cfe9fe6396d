import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveKeycloakAuthOptions } from 'nest-keycloak-s2s/internal';
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
  it('defaults to client_secret_basic, which needs CLIENT_SECRET', () => {
    expect(serviceEnvValidator({})({ ...base, CLIENT_SECRET: 's' }).CLIENT_AUTH_METHOD).toBe(
      'client_secret_basic',
    );
    expect(problemsOf(base)).toContain('CLIENT_SECRET is required');
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
    expect(env.KEYCLOAK_AUTH).toMatchObject({ clientAuthMethod: 'federated_jwt', clientAssertionFile: file });
    expect(resolveKeycloakAuthOptions(env.KEYCLOAK_AUTH)).toMatchObject({
      clientSecret: undefined,
      clientAssertionFile: file,
    });
  });

  it.each([
    [
      { CLIENT_AUTH_METHOD: 'private_key' },
      'CLIENT_AUTH_METHOD: must be one of client_secret_basic, federated_jwt, got "private_key"',
    ],
    [
      { CLIENT_AUTH_METHOD: 'federated_jwt' },
      'CLIENT_ASSERTION_FILE: is required with clientAuthMethod federated_jwt',
    ],
    [
      { CLIENT_AUTH_METHOD: 'federated_jwt', CLIENT_ASSERTION_FILE: '/nonexistent/t' },
      'CLIENT_ASSERTION_FILE: cannot be read (ENOENT): /nonexistent/t',
    ],
    [
      { CLIENT_AUTH_METHOD: 'federated_jwt', CLIENT_ASSERTION_FILE: '/t', CLIENT_SECRET: 's' },
      'CLIENT_SECRET: must not be set with clientAuthMethod federated_jwt',
    ],
  ])('refuses %j by the library rule: "%s"', (change, message) => {
    expect(problemsOf({ ...base, ...change })).toContain(message);
  });
});

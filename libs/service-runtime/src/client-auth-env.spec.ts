import { clientAuthOptions } from './client-auth-env';
import { serviceEnvValidator } from './service-env';

const base = { KEYCLOAK_URL: 'http://localhost:8080', KEYCLOAK_REALM: 's2s', CLIENT_ID: 'service-b' };

describe('the client authentication keys of the environment', () => {
  it('default to a signed JWT with the keys in .keys/<CLIENT_ID>, no secret, no key made', () => {
    const env = serviceEnvValidator({})(base);
    expect(env).toMatchObject({
      CLIENT_AUTH_METHOD: 'private_key_jwt',
      CLIENT_KEYS_DIR: '.keys/service-b',
      CLIENT_KEYS_GENERATE: false,
    });
    expect(clientAuthOptions(env)).toEqual({
      clientAuthMethod: 'private_key_jwt',
      clientKeys: { dir: '.keys/service-b', generate: false },
    });
  });

  it('ignore a CLIENT_SECRET unless the method is client_secret_basic, which then sends it', () => {
    expect(serviceEnvValidator({})({ ...base, CLIENT_SECRET: 's' }).CLIENT_SECRET).toBeUndefined();
    const env = serviceEnvValidator({})({
      ...base,
      CLIENT_AUTH_METHOD: 'client_secret_basic',
      CLIENT_SECRET: 's',
    });
    expect(clientAuthOptions(env)).toEqual({ clientAuthMethod: 'client_secret_basic', clientSecret: 's' });
  });

  it('take a mounted folder and generation, and name a bad method or flag', () => {
    const env = serviceEnvValidator({})({ ...base, CLIENT_KEYS_DIR: '/keys', CLIENT_KEYS_GENERATE: 'TRUE' });
    expect(clientAuthOptions(env)).toMatchObject({ clientKeys: { dir: '/keys', generate: true } });
    expect(() =>
      serviceEnvValidator({})({
        ...base,
        CLIENT_AUTH_METHOD: 'client_secret_jwt',
        CLIENT_KEYS_GENERATE: 'yes',
      }),
    ).toThrow(
      'Invalid configuration: CLIENT_AUTH_METHOD must be private_key_jwt or client_secret_basic, got "client_secret_jwt"; CLIENT_KEYS_GENERATE must be true or false, got "yes"',
    );
  });
});

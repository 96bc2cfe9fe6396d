import { serviceEnvValidator } from '@app/service-runtime';
import { bffEnv, ServiceAEnv } from './bff-env';

describe("service-a's own keys", () => {
  const env = {
    KEYCLOAK_URL: 'http://localhost:8080',
    KEYCLOAK_REALM: 's2s',
    CLIENT_ID: 'service-a',
    CLIENT_SECRET: 's',
  };
  const validate = (raw: Record<string, string>, defaults = {}) =>
    serviceEnvValidator({ defaults, env: bffEnv })(raw) as ServiceAEnv;

  it('keeps the password grant off unless ENABLE_PASSWORD_GRANT=true, and derives PUBLIC_URL from PORT', () => {
    expect(validate(env, { PORT: '3000' })).toMatchObject({
      ENABLE_PASSWORD_GRANT: false,
      PUBLIC_URL: 'http://localhost:3000',
      SESSION_IDLE_TIMEOUT: 1800,
    });
    expect(validate({ ...env, ENABLE_PASSWORD_GRANT: 'TRUE' }).ENABLE_PASSWORD_GRANT).toBe(true);
  });

  it('names a malformed ENABLE_PASSWORD_GRANT, PUBLIC_URL or SESSION_IDLE_TIMEOUT', () => {
    expect(() => validate({ ...env, ENABLE_PASSWORD_GRANT: 'yes' })).toThrow(
      'ENABLE_PASSWORD_GRANT must be true or false, got "yes"',
    );
    expect(() => validate({ ...env, PUBLIC_URL: 'localhost:3000' })).toThrow(
      'PUBLIC_URL must be an http(s) URL',
    );
    expect(() => validate({ ...env, SESSION_IDLE_TIMEOUT: '0' })).toThrow(
      'SESSION_IDLE_TIMEOUT must be an integer >= 1',
    );
  });

  it('takes PUBLIC_URL without its trailing slash', () => {
    expect(validate({ ...env, PUBLIC_URL: 'https://orders.example.test/' }).PUBLIC_URL).toBe(
      'https://orders.example.test',
    );
  });

  it('keeps sessions in memory unless SESSION_STORE=redis, which needs REDIS_URL and valid keys', () => {
    expect(validate(env).SESSION_STORE).toBe('memory');
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(
      validate({
        ...env,
        SESSION_STORE: 'redis',
        REDIS_URL: 'redis://redis:6379',
        SESSION_ENCRYPTION_KEYS: key,
      }),
    ).toMatchObject({ SESSION_STORE: 'redis', REDIS_URL: 'redis://redis:6379' });
    expect(() => validate({ ...env, SESSION_STORE: 'redis' })).toThrow(
      /REDIS_URL is required; SESSION_ENCRYPTION_KEYS is required/,
    );
    expect(() =>
      validate({
        ...env,
        SESSION_STORE: 'redis',
        REDIS_URL: 'http://x',
        SESSION_ENCRYPTION_KEYS: 'c2hvcnQ=',
      }),
    ).toThrow(
      /REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL; SESSION_ENCRYPTION_KEYS: each key must be 32 bytes/,
    );
    expect(() => validate({ ...env, SESSION_STORE: 'disk' })).toThrow(
      'SESSION_STORE must be memory or redis',
    );
  });
});

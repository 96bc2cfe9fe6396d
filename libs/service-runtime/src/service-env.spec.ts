import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serviceEnvValidator } from './service-env';
import { throwawayPki } from '../../keycloak-auth/test/throwaway-ca';

// A secret here: these tests are about the other keys (client-auth-env.spec.ts has the signed-JWT ones).
const base = {
  KEYCLOAK_URL: 'http://localhost:8080',
  KEYCLOAK_REALM: 's2s',
  CLIENT_ID: 'service-b',
  CLIENT_AUTH_METHOD: 'client_secret_basic',
};

describe('serviceEnvValidator', () => {
  it('refuses to start with client_secret_basic but without CLIENT_SECRET, and names the key', () => {
    expect(() => serviceEnvValidator({})(base)).toThrow(
      /CLIENT_SECRET is required \(CLIENT_AUTH_METHOD=client_secret_basic\)/,
    );
  });

  it('names every bad key at once', () => {
    const validate = serviceEnvValidator({}, ['SERVICE_C_URL']);
    const bad = { ...base, CLIENT_SECRET: 's', AUTH_MODE: 'none', PORT: 'abc', KEYCLOAK_URL: 'keycloak' };
    expect(() => validate(bad)).toThrow(/^Invalid configuration: /);
    const message = (() => {
      try {
        validate(bad);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toContain('KEYCLOAK_URL must be an http(s) URL');
    expect(message).toContain('AUTH_MODE must be jwt or introspection');
    expect(message).toContain('PORT must be an integer');
    expect(message).toContain('SERVICE_C_URL is required');
  });

  it('applies the service defaults and lets the environment override them', () => {
    const validate = serviceEnvValidator({ PORT: '3001', SERVICE_C_URL: 'http://localhost:3002' }, [
      'SERVICE_C_URL',
    ]);
    const env = validate({ ...base, CLIENT_SECRET: 's', SERVICE_C_URL: 'http://service-c:3002/' });
    expect(env).toMatchObject({
      PORT: 3001,
      AUTH_MODE: 'jwt',
      SERVICE_C_URL: 'http://service-c:3002',
      HOST: '0.0.0.0',
    });
    expect(env.KEYCLOAK_ISSUER).toBeUndefined();
  });

  it('drains for SHUTDOWN_DELAY_MS milliseconds before closing, 0 unless set, and names a bad value', () => {
    const validate = serviceEnvValidator({});
    expect(validate({ ...base, CLIENT_SECRET: 's' }).SHUTDOWN_DELAY_MS).toBe(0);
    expect(validate({ ...base, CLIENT_SECRET: 's', SHUTDOWN_DELAY_MS: '5000' }).SHUTDOWN_DELAY_MS).toBe(5000);
    expect(() => validate({ ...base, CLIENT_SECRET: 's', SHUTDOWN_DELAY_MS: '5s' })).toThrow(
      'SHUTDOWN_DELAY_MS must be an integer >= 0, got "5s"',
    );
  });

  it('takes JWKS_CACHE_MAX_AGE in seconds (default 600) and refuses one below 1', () => {
    const validate = serviceEnvValidator({});
    expect(validate({ ...base, CLIENT_SECRET: 's' }).JWKS_CACHE_MAX_AGE).toBe(600);
    expect(validate({ ...base, CLIENT_SECRET: 's', JWKS_CACHE_MAX_AGE: '5' }).JWKS_CACHE_MAX_AGE).toBe(5);
    expect(() => validate({ ...base, CLIENT_SECRET: 's', JWKS_CACHE_MAX_AGE: '0' })).toThrow(
      'JWKS_CACHE_MAX_AGE must be an integer >= 1, got "0"',
    );
  });

  it('keeps the issuer separate from the URL services reach Keycloak at', () => {
    const env = serviceEnvValidator({})({
      ...base,
      CLIENT_SECRET: 's',
      KEYCLOAK_URL: 'http://keycloak:8080',
      KEYCLOAK_ISSUER: 'http://localhost:8080/realms/s2s',
    });
    expect(env.KEYCLOAK_URL).toBe('http://keycloak:8080');
    expect(env.KEYCLOAK_ISSUER).toBe('http://localhost:8080/realms/s2s');
  });
});

describe("serviceEnvValidator: service-a's BFF keys", () => {
  const env = { ...base, CLIENT_ID: 'service-a', CLIENT_SECRET: 's' };

  it('keeps the password grant off unless ENABLE_PASSWORD_GRANT=true, and derives PUBLIC_URL from PORT', () => {
    const parsed = serviceEnvValidator({ PORT: '3000' })(env);
    expect(parsed).toMatchObject({
      ENABLE_PASSWORD_GRANT: false,
      PUBLIC_URL: 'http://localhost:3000',
      SESSION_IDLE_TIMEOUT: 1800,
    });
    expect(serviceEnvValidator({})({ ...env, ENABLE_PASSWORD_GRANT: 'TRUE' }).ENABLE_PASSWORD_GRANT).toBe(
      true,
    );
  });

  it('names a malformed ENABLE_PASSWORD_GRANT, PUBLIC_URL or SESSION_IDLE_TIMEOUT', () => {
    const validate = serviceEnvValidator({});
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
    expect(serviceEnvValidator({})({ ...env, PUBLIC_URL: 'https://orders.example.test/' }).PUBLIC_URL).toBe(
      'https://orders.example.test',
    );
  });
});

describe('serviceEnvValidator: KEYCLOAK_CA_FILE', () => {
  const env = { ...base, CLIENT_SECRET: 's' };

  const fileWith = (text: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'ca-')), 'ca.pem');
    writeFileSync(file, text);
    return file;
  };

  it('reads the CA certificates at start', () => {
    const { ca } = throwawayPki();
    expect(serviceEnvValidator({})({ ...env, KEYCLOAK_CA_FILE: fileWith(ca) }).KEYCLOAK_CA).toBe(ca);
  });

  it('refuses a file that holds no certificate, naming the key', () => {
    const file = fileWith('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    expect(() => serviceEnvValidator({})({ ...env, KEYCLOAK_CA_FILE: file })).toThrow(
      `KEYCLOAK_CA_FILE holds no PEM certificate that parses (-----BEGIN CERTIFICATE-----): ${file}`,
    );
  });

  it('refuses to start when the file cannot be read, naming the key', () => {
    expect(() => serviceEnvValidator({})({ ...env, KEYCLOAK_CA_FILE: '/nonexistent/ca.pem' })).toThrow(
      'KEYCLOAK_CA_FILE cannot be read: ENOENT /nonexistent/ca.pem',
    );
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serviceEnvValidator } from './service-env';
import { throwawayPki } from '../../../test/support/throwaway-ca';

// client_secret_basic here: these tests are about the other keys (client-auth-env.spec.ts has the signed-JWT ones).
const base = {
  KEYCLOAK_URL: 'http://localhost:8080',
  KEYCLOAK_REALM: 's2s',
  CLIENT_ID: 'service-b',
  CLIENT_AUTH_METHOD: 'client_secret_basic',
};
const withSecret = { ...base, CLIENT_SECRET: 's' };
const serviceC = { name: 'service-c', urlKey: 'SERVICE_C_URL' };

/** The message a refused environment gets. */
function refusal(validate: (raw: Record<string, unknown>) => unknown, raw: Record<string, unknown>): string {
  try {
    validate(raw);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the environment was accepted');
}

describe('serviceEnvValidator', () => {
  it('refuses to start without CLIENT_SECRET and names the key', () => {
    expect(() => serviceEnvValidator({})(base)).toThrow(/CLIENT_SECRET is required/);
  });

  it("names every bad key at once, the auth keys by the library's own rules", () => {
    const validate = serviceEnvValidator({ nextHop: serviceC });
    const message = refusal(validate, {
      ...withSecret,
      AUTH_MODE: 'none',
      PORT: 'abc',
      KEYCLOAK_URL: 'keycloak',
    });
    expect(message).toMatch(/^Invalid configuration: /);
    expect(message).toContain('KEYCLOAK_URL: must be an http(s) URL, got "keycloak"');
    expect(message).toContain('AUTH_MODE: must be one of jwt, introspection, got "none"');
    expect(message).toContain('PORT must be an integer >= 0, got "abc"');
    expect(message).toContain('SERVICE_C_URL is required');
  });

  it('reports each bad key once, and never prints the client secret', () => {
    const message = refusal(serviceEnvValidator({}), {
      ...base,
      CLIENT_SECRET: ' ',
      INTROSPECTION_CACHE_TTL: 'ten',
      AUTH_MODE: 'introspection',
    });
    expect(message.match(/INTROSPECTION_CACHE_TTL/g)).toHaveLength(1);
    expect(message.match(/CLIENT_SECRET/g)).toHaveLength(1);
    expect(message).toContain('CLIENT_SECRET is required');
    expect(
      refusal(serviceEnvValidator({}), { ...base, CLIENT_SECRET: 'hunter2', AUTH_MODE: 'x' }),
    ).not.toContain('hunter2');
  });

  it('applies the service defaults, lets the environment override them, and takes the next hop from its key', () => {
    const validate = serviceEnvValidator({
      defaults: { PORT: '3001', SERVICE_C_URL: 'http://localhost:3002' },
      nextHop: serviceC,
    });
    const env = validate({ ...withSecret, SERVICE_C_URL: 'http://service-c:3002/' });
    expect(env).toMatchObject({
      PORT: 3001,
      AUTH_MODE: 'jwt',
      NEXT_HOP_URL: 'http://service-c:3002',
      HOST: '0.0.0.0',
    });
    expect(env.KEYCLOAK_ISSUER).toBeUndefined();
    expect(serviceEnvValidator({})(withSecret).NEXT_HOP_URL).toBeUndefined();
  });

  it('hands the auth keys to the module as its options: audience is the client id, the JWKS age in ms', () => {
    const env = serviceEnvValidator({})({
      ...withSecret,
      AUTH_MODE: 'introspection',
      JWKS_CACHE_MAX_AGE: '5',
    });
    expect(env.KEYCLOAK_AUTH).toEqual({
      url: 'http://localhost:8080',
      issuer: undefined,
      realm: 's2s',
      clientId: 'service-b',
      clientAuth: { method: 'client_secret_basic', secret: 's' },
      mode: 'introspection',
      audience: 'service-b',
      introspection: { cacheTtlSec: 30, missesPerMinute: 600 },
      jwks: { cacheMaxAgeMs: 5000 },
      http: { ca: undefined },
      dpop: { policy: 'allowed', keycloakHtu: undefined },
    });
  });

  it("adds the service's own keys, their problems in the same message", () => {
    const validate = serviceEnvValidator({
      env: (read, common) => ({ GREETING: read.required('GREETING'), DOUBLE_PORT: common.PORT * 2 }),
    });
    expect(validate({ ...withSecret, PORT: '21', GREETING: 'hi' })).toMatchObject({
      GREETING: 'hi',
      DOUBLE_PORT: 42,
    });
    expect(refusal(validate, { ...base, PORT: 'x' })).toBe(
      'Invalid configuration: PORT must be an integer >= 0, got "x"; CLIENT_SECRET is required; GREETING is required',
    );
  });

  it('drains for SHUTDOWN_DELAY_MS milliseconds before closing, 0 unless set, and names a bad value', () => {
    const validate = serviceEnvValidator({});
    expect(validate(withSecret).SHUTDOWN_DELAY_MS).toBe(0);
    expect(validate({ ...withSecret, SHUTDOWN_DELAY_MS: '5000' }).SHUTDOWN_DELAY_MS).toBe(5000);
    expect(() => validate({ ...withSecret, SHUTDOWN_DELAY_MS: '5s' })).toThrow(
      'SHUTDOWN_DELAY_MS must be an integer >= 0, got "5s"',
    );
  });

  it('hands KEYCLOAK_DPOP_HTU to the library (url unless set) and names a bad value under its key', () => {
    const validate = serviceEnvValidator({});
    expect(validate(withSecret).KEYCLOAK_AUTH.dpop?.keycloakHtu).toBeUndefined();
    expect(validate({ ...withSecret, KEYCLOAK_DPOP_HTU: 'issuer' }).KEYCLOAK_AUTH.dpop?.keycloakHtu).toBe(
      'issuer',
    );
    expect(() => validate({ ...withSecret, KEYCLOAK_DPOP_HTU: 'proxy' })).toThrow(
      `KEYCLOAK_DPOP_HTU: must be 'url' or 'issuer', got "proxy"`,
    );
  });

  it('hands DPOP_KEY_ALG to the library (its default, EdDSA, unless set) and names a bad value under its key', () => {
    const validate = serviceEnvValidator({});
    expect(validate(withSecret).KEYCLOAK_AUTH.dpop?.keyAlgorithm).toBeUndefined();
    expect(validate({ ...withSecret, DPOP_KEY_ALG: 'ES256' }).KEYCLOAK_AUTH.dpop?.keyAlgorithm).toBe('ES256');
    expect(() => validate({ ...withSecret, DPOP_KEY_ALG: 'HS256' })).toThrow(
      'DPOP_KEY_ALG: must be one of ES256, PS256, EdDSA, got "HS256"',
    );
  });

  it('takes JWKS_CACHE_MAX_AGE in seconds (default 600) and refuses 0 by the library rule', () => {
    const validate = serviceEnvValidator({});
    expect(validate(withSecret).JWKS_CACHE_MAX_AGE).toBe(600);
    expect(() => validate({ ...withSecret, JWKS_CACHE_MAX_AGE: '0' })).toThrow(
      'JWKS_CACHE_MAX_AGE: must be a number > 0, got "0"',
    );
  });

  it('keeps the issuer separate from the URL services reach Keycloak at', () => {
    const env = serviceEnvValidator({})({
      ...withSecret,
      KEYCLOAK_URL: 'http://keycloak:8080',
      KEYCLOAK_ISSUER: 'http://localhost:8080/realms/s2s',
    });
    expect(env.KEYCLOAK_URL).toBe('http://keycloak:8080');
    expect(env.KEYCLOAK_ISSUER).toBe('http://localhost:8080/realms/s2s');
  });
});

describe('serviceEnvValidator: KEYCLOAK_CA_FILE', () => {
  const fileWith = (text: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'ca-')), 'ca.pem');
    writeFileSync(file, text);
    return file;
  };

  it('reads the CA certificates at start and hands them to the library', () => {
    const { ca } = throwawayPki();
    expect(
      serviceEnvValidator({})({ ...withSecret, KEYCLOAK_CA_FILE: fileWith(ca) }).KEYCLOAK_AUTH.http?.ca,
    ).toBe(ca);
  });

  it("refuses a file that holds no certificate by the library's rule, naming the key and the file", () => {
    const file = fileWith('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    expect(() => serviceEnvValidator({})({ ...withSecret, KEYCLOAK_CA_FILE: file })).toThrow(
      `KEYCLOAK_CA_FILE: must be one or more PEM certificates (-----BEGIN CERTIFICATE-----), got "${file}"`,
    );
  });

  it('refuses to start when the file cannot be read, naming the key', () => {
    expect(() => serviceEnvValidator({})({ ...withSecret, KEYCLOAK_CA_FILE: '/nonexistent/ca.pem' })).toThrow(
      'KEYCLOAK_CA_FILE cannot be read: ENOENT /nonexistent/ca.pem',
    );
  });
});

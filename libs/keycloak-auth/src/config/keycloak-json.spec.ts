import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { optionsFromKeycloakJson } from './keycloak-json';
import { InvalidKeycloakAuthOptionsError } from './option-problem';
import { resolveKeycloakAuthOptions } from './resolve-options';

/** What the admin console's "Download adapter config" gives for a confidential client. */
const DOWNLOADED = {
  realm: 'shop',
  'auth-server-url': 'http://localhost:8080/',
  'ssl-required': 'external',
  resource: 'invoices-api',
  'verify-token-audience': true,
  credentials: { secret: 'invoices-api-dev-secret' },
  'use-resource-role-mappings': true,
  'confidential-port': 0,
  'bearer-only': true,
};

/** The problems optionsFromKeycloakJson refuses `json` with, as `option: reason` lines. */
function problemsOf(json: Record<string, unknown>, overrides = {}): string[] {
  try {
    optionsFromKeycloakJson(json, overrides);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidKeycloakAuthOptionsError);
    return (error as InvalidKeycloakAuthOptionsError).problems.map((p) => `${p.option}: ${p.reason}`);
  }
  throw new Error('expected a refusal');
}

describe('optionsFromKeycloakJson', () => {
  it("maps a downloaded adapter config to the module's options, which then resolve", () => {
    const options = optionsFromKeycloakJson(DOWNLOADED);
    expect(options).toEqual({
      url: 'http://localhost:8080',
      realm: 'shop',
      clientId: 'invoices-api',
      clientAuth: { method: 'client_secret_basic', secret: 'invoices-api-dev-secret' },
      mode: 'jwt',
      audience: 'invoices-api',
    });
    expect(resolveKeycloakAuthOptions(options).home.issuer).toBe('http://localhost:8080/realms/shop');
  });

  it('reads a file, keeps /auth of an older Keycloak, maps the JWKS timings, and takes overrides', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keycloak-json-'));
    try {
      const file = join(dir, 'keycloak.json');
      writeFileSync(
        file,
        JSON.stringify({
          realm: 'shop',
          'auth-server-url': 'https://sso.example.com/auth/',
          'ssl-required': 'all',
          resource: 'invoices-api',
          'public-client': true,
          'min-time-between-jwks-requests': 10,
          'public-key-cache-ttl': 86400,
        }),
      );
      expect(
        optionsFromKeycloakJson(file, { mode: 'introspection', audience: ['invoices-api', 'api'] }),
      ).toEqual({
        url: 'https://sso.example.com/auth',
        realm: 'shop',
        clientId: 'invoices-api',
        mode: 'introspection',
        audience: ['invoices-api', 'api'],
        jwks: { cooldownMs: 10_000, cacheMaxAgeMs: 86_400_000 },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the audience is checked even when verify-token-audience is off: it defaults to resource', () => {
    expect(optionsFromKeycloakJson({ ...DOWNLOADED, 'verify-token-audience': false }).audience).toBe(
      'invoices-api',
    );
    expect(optionsFromKeycloakJson(DOWNLOADED, { clientId: 'other' }).audience).toBe('other');
  });

  it.each([
    [{ 'realm-public-key': 'MIIB…' }, 'keycloak.json realm-public-key: a fixed realm key is not supported'],
    [{ 'disable-trust-manager': true }, 'keycloak.json disable-trust-manager: must be false'],
    [{ 'allow-any-hostname': true }, 'keycloak.json allow-any-hostname: must be false'],
    [{ 'enable-basic-auth': true }, 'keycloak.json enable-basic-auth: must be false'],
    [{ truststore: 'x.jks' }, 'keycloak.json truststore: a Java truststore is not read'],
    [{ 'policy-enforcer': {} }, 'keycloak.json policy-enforcer: Authorization Services are configured with'],
    [{ 'redirect-rewrite-rules': {} }, 'keycloak.json redirect-rewrite-rules: unknown key'],
    [
      { credentials: { jwt: { 'client-keystore-file': 'k.jks' } } },
      'keycloak.json credentials.jwt: only credentials.secret',
    ],
    [
      { credentials: { 'secret-jwt': { secret: 's' } } },
      'keycloak.json credentials.secret-jwt: only credentials.secret',
    ],
    [{ 'public-client': true }, 'keycloak.json public-client: a public client has no secret'],
    [{ 'ssl-required': 'all' }, 'keycloak.json ssl-required: is all, but auth-server-url is http'],
    [{ 'ssl-required': 'sometimes' }, 'keycloak.json ssl-required: must be all, external or none'],
    [
      { 'auth-server-url': 'http://sso.example.com' },
      'keycloak.json ssl-required: is external, but auth-server-url is http to sso.example.com',
    ],
    [{ 'auth-server-url': 'ftp://sso' }, 'keycloak.json auth-server-url: must be an http(s) URL'],
    [
      { authServerUrl: 'http://localhost:8080' },
      'keycloak.json auth-server-url / authServerUrl: the same setting twice',
    ],
    [
      { 'min-time-between-jwks-requests': '10' },
      'keycloak.json min-time-between-jwks-requests: must be a number of seconds',
    ],
    [{ 'verify-token-audience': 'yes' }, 'keycloak.json verify-token-audience: must be true or false'],
    [{ realm: undefined }, 'keycloak.json realm: is required'],
    [
      { credentials: { secret: '${env.KEYCLOAK_SECRET}' } },
      'keycloak.json credentials.secret: holds a ${…} reference',
    ],
    [{ resource: '' }, 'keycloak.json resource: must be a non-empty string'],
  ])('refuses %j, naming the key', (change, problem) => {
    expect(problemsOf({ ...DOWNLOADED, ...change }).join('\n')).toContain(problem);
  });

  it('lists every problem at once, and never quotes the secret', () => {
    const problems = problemsOf({ ...DOWNLOADED, 'realm-public-key': 'k', 'public-client': true, extra: 1 });
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).not.toContain('invoices-api-dev-secret');
  });

  it('plain http to a private address or loopback passes ssl-required external; none lets any through', () => {
    for (const url of [
      'http://127.0.0.1:8080',
      'http://10.1.2.3',
      'http://192.168.0.5',
      'http://172.20.0.2',
      'http://keycloak.localhost',
    ])
      expect(optionsFromKeycloakJson({ ...DOWNLOADED, 'auth-server-url': url }).url).toBe(url);
    const none = { ...DOWNLOADED, 'auth-server-url': 'http://keycloak:8080', 'ssl-required': 'none' };
    expect(optionsFromKeycloakJson(none).url).toBe('http://keycloak:8080');
  });

  it('a file that cannot be read or is not a JSON object is refused without quoting it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keycloak-json-'));
    try {
      const file = join(dir, 'keycloak.json');
      writeFileSync(file, '{"credentials": {"secret": "s3cr3t"');
      expect(() => optionsFromKeycloakJson(file)).toThrow(`keycloak.json: ${file} is not a JSON object`);
      expect(() => optionsFromKeycloakJson(join(dir, 'missing.json'))).toThrow('(ENOENT)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

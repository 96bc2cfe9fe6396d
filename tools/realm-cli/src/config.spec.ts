import { CliError } from './cli-error';
import { readConfig } from './config';

describe('readConfig', () => {
  it('defaults to the local dev Keycloak and its bootstrap admin, and says so', () => {
    expect(readConfig({})).toEqual({
      keycloakUrl: 'http://localhost:8080',
      adminUser: 'admin',
      adminPassword: 'admin',
      devAdmin: true,
      realmFile: 'realm-export.json',
    });
  });

  it('takes every setting from the environment', () => {
    const env = {
      KEYCLOAK_URL: 'https://sso.example.test/',
      KEYCLOAK_ADMIN_USER: 'ops',
      KEYCLOAK_ADMIN_PASSWORD: 'pw',
      REALM_FILE: 'prod.json',
    };
    expect(readConfig(env)).toEqual({
      keycloakUrl: 'https://sso.example.test',
      adminUser: 'ops',
      adminPassword: 'pw',
      devAdmin: false,
      realmFile: 'prod.json',
    });
  });

  it.each([
    [{ KEYCLOAK_URL: 'localhost:8080' }, 'KEYCLOAK_URL must be http or https, got localhost:8080'],
    [{ KEYCLOAK_URL: 'not a url' }, 'KEYCLOAK_URL is not a URL: not a url'],
    [
      { KEYCLOAK_ADMIN_USER: 'ops' },
      'set both KEYCLOAK_ADMIN_USER and KEYCLOAK_ADMIN_PASSWORD, or neither (local dev Keycloak)',
    ],
  ])('refuses %j', (env, message) => {
    expect(() => readConfig(env)).toThrow(new CliError(message));
  });
});

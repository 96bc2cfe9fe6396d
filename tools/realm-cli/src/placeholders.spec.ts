import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolvePlaceholders } from './placeholders';

describe('resolvePlaceholders', () => {
  it("takes the variable, else the default, as Keycloak's import does, and escapes it for JSON", () => {
    const text =
      '{"a":"${JWKS_A:http://localhost:3000/x}","b":"${JWKS_B:http://localhost:3001/x}","c":"${NONE}"}';
    const resolved = JSON.parse(resolvePlaceholders(text, { JWKS_A: 'http://service-a:3000/"x"' }));
    expect(resolved).toEqual({ a: 'http://service-a:3000/"x"', b: 'http://localhost:3001/x', c: '${NONE}' });
  });

  it('gives every service client of realm-export.json its dev-stack JWKS URL by default', () => {
    const realm = JSON.parse(
      resolvePlaceholders(readFileSync(join(__dirname, '..', '..', '..', 'realm-export.json'), 'utf8'), {}),
    ) as { clients: { clientId: string; attributes?: Record<string, string> }[] };
    const urls = realm.clients
      .filter((c) => c.attributes?.['use.jwks.url'] === 'true')
      .map((c) => [c.clientId, c.attributes?.['jwks.url']]);
    expect(urls).toEqual([
      ['service-a', 'http://localhost:3000/.well-known/jwks.json'],
      ['service-b', 'http://localhost:3001/.well-known/jwks.json'],
      ['service-c', 'http://localhost:3002/.well-known/jwks.json'],
    ]);
  });
});

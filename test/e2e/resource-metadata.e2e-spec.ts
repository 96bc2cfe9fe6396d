import * as oidc from 'openid-client';
import { ClientKeySet } from 'nest-keycloak-s2s/client-keys';
import type { ProtectedResourceMetadata } from 'nest-keycloak-s2s/metadata';
import { privateKeyJwt } from 'nest-keycloak-s2s/oauth';
import { keysDirOf } from './support/client-keys';
import { post } from './support/http';
import { KEYCLOAK_URL, REALM, stacks } from './support/keycloak';
import { recordTokens } from './support/service-logs';

// OAuth 2.0 Protected Resource Metadata (RFC 9728 §5) against the real Keycloak: a client that knows nothing but
// service-b's URL is told by the 401 where the metadata is, learns the realm from it, discovers that realm's
// endpoints from Keycloak (RFC 8414 / OpenID Connect Discovery), gets a token there as service-a (a signed JWT,
// no secret) and is served.

const ORDER = { order_id: 9876, amount: 1500 };

/** The `resource_metadata` of each challenge in a `WWW-Authenticate` value (RFC 9728 §5.1), in order. */
function metadataUrls(challenge: string | null): string[] {
  return [...(challenge ?? '').matchAll(/resource_metadata="([^"]*)"/g)].map((m) => m[1]);
}

async function metadataAt(url: string): Promise<{ res: Response; body: ProtectedResourceMetadata }> {
  const res = await fetch(url);
  return { res, body: (await res.json()) as ProtectedResourceMetadata };
}

describe.each(['jwt', 'introspection'] as const)('Protected Resource Metadata (%s mode)', (mode) => {
  const stack = stacks()[mode];
  const serviceB = stack['service-b'];

  it('leads a client that knows only service-b’s URL from the 401 to the realm, a token and a 200', async () => {
    // 1. No token: the challenges (Bearer and DPoP) name the metadata.
    const refused = await post(`${serviceB}/api/process`, ORDER);
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ code: 'token_missing' });
    const urls = metadataUrls(refused.wwwAuthenticate);
    expect(urls).toEqual([
      `${serviceB}/.well-known/oauth-protected-resource`,
      `${serviceB}/.well-known/oauth-protected-resource`,
    ]);

    // 2. The metadata: RFC 9728 §3.3 — its `resource` is the URL the client used.
    const { res, body: metadata } = await metadataAt(urls[0]);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
    expect(metadata.resource).toBe(serviceB);
    expect(metadata).toMatchObject({
      authorization_servers: [`${KEYCLOAK_URL}/realms/${REALM}`],
      bearer_methods_supported: ['header'],
      dpop_signing_alg_values_supported: ['ES256', 'PS256', 'RS256', 'EdDSA'],
      dpop_bound_access_tokens_required: false,
    });
    expect(metadata.scopes_supported).toContain('orders.read');

    // 3. The realm's own metadata, from Keycloak, by openid-client's discovery (the issuer it names is checked).
    const issuer = metadata.authorization_servers[0];
    const keys = new ClientKeySet({ dir: keysDirOf('service-a') });
    const config = await oidc.discovery(new URL(issuer), 'service-a', undefined, privateKeyJwt(keys), {
      execute: issuer.startsWith('http:') ? [oidc.allowInsecureRequests] : [],
    });
    expect(config.serverMetadata().issuer).toBe(issuer);

    // 4. A token of service-a (private_key_jwt), then the call: served.
    const grant = await oidc.clientCredentialsGrant(config);
    recordTokens(grant.access_token);
    const served = await post(`${serviceB}/api/process`, ORDER, { token: grant.access_token });
    expect(served.status).toBe(200);
    expect(served.body.service_b).toBe('Order 9876 processed by Service B');
  });

  it('is served by each service of the chain under its own URL, without a token', async () => {
    for (const [name, url] of Object.entries(stack)) {
      const { res, body } = await metadataAt(`${url}/.well-known/oauth-protected-resource`);
      expect(res.status, name).toBe(200);
      expect(body.resource, name).toBe(url);
      expect(body.authorization_servers, name).toEqual([`${KEYCLOAK_URL}/realms/${REALM}`]);
    }
  });

  it('answers 404 beside the well-known URL of its identifier (RFC 9728 §3.1)', async () => {
    expect((await fetch(`${serviceB}/.well-known/oauth-protected-resource/api/process`)).status).toBe(404);
  });
});

import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { close, listen } from '../security/support/service-b-rig';
import { recordTokens } from './service-logs';

/** What a workload token says: its service account, the audience it was requested for, and when it is valid. */
export interface WorkloadClaims {
  /** `system:serviceaccount:<namespace>:<name>`. */
  sub: string;
  /** The `audience` of the projected volume: the realm's issuer. */
  aud: string;
  /** Seconds from now until `exp`; negative for an expired token. Default 3600, the manifests' expirationSeconds. */
  expiresInSec?: number;
  /** Seconds from now of `iat`. Default 0. */
  issuedAtSec?: number;
  /** The `iss` to claim instead of this issuer's own (a forgery: signed with this issuer's key all the same). */
  iss?: string;
}

/** A stand-in for a cluster's service-account token issuer, on loopback. */
export interface WorkloadIssuer {
  /** The `iss` of its tokens, also where its discovery document is. */
  issuer: string;
  /** A token as the kubelet writes it into a projected volume, signed with this issuer's key. */
  token: (claims: WorkloadClaims) => Promise<string>;
  /** How many times its JWKS was fetched (by Keycloak). */
  jwksRequests: () => number;
  stop: () => Promise<void>;
}

/**
 * Serves what Keycloak's Kubernetes identity provider reads from a cluster's API server — the OpenID discovery
 * document at `<issuer>/.well-known/openid-configuration` and the JWKS it names (`/openid/v1/jwks`) — and signs
 * tokens shaped like projected service-account tokens (RS256, `kubernetes.io` claim). Every token it signs is
 * recorded for the log scan at the end of the run.
 */
export async function startWorkloadIssuer(): Promise<WorkloadIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = randomUUID();
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  let issuer = '';
  let jwksRequests = 0;
  const server = createServer((req, res) => {
    const path = req.url?.split('?', 1)[0];
    if (path === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(
        JSON.stringify({
          issuer,
          jwks_uri: `${issuer}/openid/v1/jwks`,
          response_types_supported: ['id_token'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
        }),
      );
    }
    if (path === '/openid/v1/jwks') {
      jwksRequests++;
      res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
      return res.end(JSON.stringify({ keys: [jwk] }));
    }
    res.writeHead(404).end();
  });
  issuer = await listen(server);
  return {
    issuer,
    jwksRequests: () => jwksRequests,
    stop: () => close(server),
    token: async ({ sub, aud, expiresInSec = 3600, issuedAtSec = 0, iss = issuer }) => {
      const now = Math.floor(Date.now() / 1000);
      const [, namespace, name] = /^system:serviceaccount:([^:]+):(.+)$/.exec(sub) ?? [];
      const token = await new SignJWT({
        'kubernetes.io': { namespace, serviceaccount: { name, uid: randomUUID() } },
      })
        .setProtectedHeader({ alg: 'RS256', kid })
        .setIssuer(iss)
        .setSubject(sub)
        .setAudience([aud])
        .setIssuedAt(now + issuedAtSec)
        .setNotBefore(now + issuedAtSec)
        .setExpirationTime(now + expiresInSec)
        .setJti(randomUUID())
        .sign(privateKey);
      recordTokens(token);
      return token;
    },
  };
}

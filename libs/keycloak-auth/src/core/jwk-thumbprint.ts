import { createHash } from 'node:crypto';

/** The members of a public JWK its RFC 7638 thumbprint is computed from, by key type, in lexicographic order. */
export const THUMBPRINT_MEMBERS: Record<string, readonly string[]> = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
};

/**
 * The RFC 7638 SHA-256 thumbprint of a public JWK (what `cnf.jkt` names), computed at once; undefined when the
 * JWK lacks a required member. The same value as jose's `calculateJwkThumbprint`, without its promise: the `kid`
 * of a client key, the `jkt` a DPoP proof's key must match.
 */
export function jwkThumbprint(jwk: object): string | undefined {
  const kty = (jwk as { kty?: unknown }).kty;
  const members = typeof kty === 'string' ? THUMBPRINT_MEMBERS[kty] : undefined;
  if (!members) return undefined;
  const required: Record<string, string> = {};
  for (const member of members) {
    const value = (jwk as Record<string, unknown>)[member];
    if (typeof value !== 'string' || value === '') return undefined;
    required[member] = value;
  }
  return createHash('sha256').update(JSON.stringify(required)).digest('base64url');
}

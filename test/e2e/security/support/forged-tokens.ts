import { randomUUID } from 'node:crypto';
import {
  exportSPKI,
  generateKeyPair,
  importJWK,
  JWK,
  JWTPayload,
  CryptoKey,
  SignJWT,
  UnsecuredJWT,
} from 'jose';
import { KEYCLOAK_URL, REALM } from '../../support/keycloak';

// Tokens an attacker can make without Keycloak's private key. Each starts from the claims of a real token, so the
// only thing wrong with it is the one thing the case is about.

/** The realm's RS256 signing key as published in its JWKS. */
export interface RealmSigningKey {
  kid: string;
  jwk: JWK;
  /** The public key as SPKI PEM: the text a key-confusion attacker uses as an HMAC secret. */
  pem: string;
}

/** Reads the realm's JWKS and returns its RS256 signing key. */
export async function realmSigningKey(): Promise<RealmSigningKey> {
  const res = await fetch(`${KEYCLOAK_URL}/realms/${REALM}/protocol/openid-connect/certs`);
  const { keys } = (await res.json()) as { keys: JWK[] };
  const jwk = keys.find((k) => k.kty === 'RSA' && k.alg === 'RS256' && k.use === 'sig');
  if (!jwk?.kid) throw new Error('the realm publishes no RS256 signing key');
  const pem = await exportSPKI((await importJWK(jwk, 'RS256')) as CryptoKey);
  return { kid: jwk.kid, jwk, pem };
}

/** An RSA key pair the realm never had. */
export function foreignKey(): Promise<{ privateKey: CryptoKey }> {
  return generateKeyPair('RS256');
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The decoded header and claims of a compact JWS (for building variants, never for trust). */
export function partsOf(token: string): { header: Record<string, unknown>; claims: JWTPayload } {
  const [h, p] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString()),
    claims: JSON.parse(Buffer.from(p, 'base64url').toString()),
  };
}

/** `alg: none`, no signature at all. */
export function unsigned(claims: JWTPayload): string {
  return new UnsecuredJWT(claims).encode();
}

/** HS256 with `secret` as the HMAC key (key confusion when the secret is the realm's public key). */
export function hmacSigned(claims: JWTPayload, secret: Uint8Array, kid: string): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid }).sign(secret);
}

/** RS256 with a key of our own, under the given `kid`. */
export function signedWith(claims: JWTPayload, key: CryptoKey, kid: string): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid }).sign(key);
}

/** A real token whose header was replaced (e.g. another `kid`), payload and signature kept. */
export function withHeader(token: string, patch: Record<string, unknown>): string {
  const [, p, s] = token.split('.');
  return `${b64({ ...partsOf(token).header, ...patch })}.${p}.${s}`;
}

/** A real token with one byte of its payload changed: the last digit of `exp` (a longer life), signature kept. */
export function withOneByteChanged(token: string): string {
  const [h, p, s] = token.split('.');
  const json = Buffer.from(p, 'base64url');
  const at = json.indexOf('"exp":') + '"exp":'.length + 9; // exp has 10 digits until the year 2286
  json[at] = json[at] === 0x39 ? 0x30 : json[at] + 1;
  return `${h}.${json.toString('base64url')}.${s}`;
}

/** A real token with its claims edited (the signature no longer matches). */
export function withClaims(token: string, patch: JWTPayload): string {
  const [h, , s] = token.split('.');
  return `${h}.${b64({ ...partsOf(token).claims, ...patch })}.${s}`;
}

/** `count` tokens, each signed by `key` under a random `kid` nobody publishes. */
export function randomKidTokens(claims: JWTPayload, key: CryptoKey, count: number): Promise<string[]> {
  return Promise.all(Array.from({ length: count }, () => signedWith(claims, key, randomUUID())));
}

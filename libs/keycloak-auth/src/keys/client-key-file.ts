import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  JsonWebKey,
  KeyObject,
  webcrypto,
} from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jwkThumbprint } from '../core/jwk-thumbprint';

/** The signature algorithms a client key may have, with the WebCrypto parameters that sign with it (RFC 7518 §3.1). */
export const CLIENT_KEY_ALGORITHMS = {
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  ES384: { name: 'ECDSA', namedCurve: 'P-384' },
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  PS256: { name: 'RSA-PSS', hash: 'SHA-256' },
} as const;
/** One of {@link CLIENT_KEY_ALGORITHMS}. */
export type ClientKeyAlgorithm = keyof typeof CLIENT_KEY_ALGORITHMS;

/** The file name ending of a client key: `<kid>.key.json`. */
export const CLIENT_KEY_SUFFIX = '.key.json';

/**
 * A client key file's contents: the private JWK (with `kid` and `alg`) and when it was made. The creation time
 * decides when the key starts signing (see `ClientKeySet`), so it travels with the key, not with the file's mtime
 * (a copied or mounted file gets a new one).
 */
export interface ClientKeyFile {
  created: string;
  privateJwk: JsonWebKey & { kid: string; alg: ClientKeyAlgorithm };
}

/** One loaded client key. */
export interface ClientKey {
  readonly kid: string;
  readonly alg: ClientKeyAlgorithm;
  /** Milliseconds since the epoch. */
  readonly created: number;
  /** The private key, for WebCrypto signing (openid-client's PrivateKeyJwt). */
  readonly privateKey: webcrypto.CryptoKey;
  /** The public JWK as published: no private member. */
  readonly publicJwk: JsonWebKey & { kid: string; alg: string; use: 'sig' };
}

/** Parses one key file; throws an Error saying what is wrong with it (never its contents). */
export function parseClientKey(text: string, file: string): ClientKey {
  let parsed: Partial<ClientKeyFile>;
  try {
    parsed = JSON.parse(text) as Partial<ClientKeyFile>;
  } catch {
    throw new Error(`${file} is not JSON`);
  }
  const jwk = parsed.privateJwk;
  const created = Date.parse(parsed.created ?? '');
  if (!jwk || typeof jwk !== 'object') throw new Error(`${file} has no privateJwk`);
  if (!Number.isFinite(created)) throw new Error(`${file} has no valid created time`);
  const algorithm = CLIENT_KEY_ALGORITHMS[jwk.alg];
  if (typeof jwk.kid !== 'string' || jwk.kid === '') throw new Error(`${file} has no kid`);
  if (algorithm === undefined)
    throw new Error(`${file}: alg must be one of ${Object.keys(CLIENT_KEY_ALGORITHMS).join(', ')}`);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: jwk, format: 'jwk' });
  } catch {
    throw new Error(`${file} holds no private key that parses`);
  }
  const { kty, crv, x, y, n, e } = createPublicKey(key).export({ format: 'jwk' });
  const publicJwk = { kty, crv, x, y, n, e, kid: jwk.kid, alg: jwk.alg, use: 'sig' as const };
  return {
    kid: jwk.kid,
    alg: jwk.alg,
    created,
    privateKey: key.toCryptoKey(algorithm, false, ['sign']),
    publicJwk: JSON.parse(JSON.stringify(publicJwk)) as ClientKey['publicJwk'],
  };
}

/** Every key file in `dir`, oldest first; throws when the folder cannot be read or a file is not a key. */
export function readClientKeys(dir: string): ClientKey[] {
  const names = readdirSync(dir).filter((name) => name.endsWith(CLIENT_KEY_SUFFIX));
  const keys = names.map((name) => parseClientKey(readFileSync(join(dir, name), 'utf8'), name));
  return keys.sort((a, b) => a.created - b.created || a.kid.localeCompare(b.kid));
}

/**
 * Makes a new key pair in `dir` (created with mode 0700 if missing) and returns its kid. The file is written
 * under a temporary name and renamed, so a service reading the folder at that moment never sees half a key.
 */
export function addClientKey(
  dir: string,
  alg: ClientKeyAlgorithm = 'ES256',
  created: Date = new Date(),
): string {
  const pair = alg.startsWith('ES')
    ? generateKeyPairSync('ec', { namedCurve: alg === 'ES256' ? 'P-256' : 'P-384' })
    : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = pair.privateKey.export({ format: 'jwk' });
  // An EC or RSA public key has every member its thumbprint needs.
  const kid = jwkThumbprint(pair.publicKey.export({ format: 'jwk' }))!;
  const file: ClientKeyFile = { created: created.toISOString(), privateJwk: { ...jwk, kid, alg } };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${kid}${CLIENT_KEY_SUFFIX}`);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
  return kid;
}

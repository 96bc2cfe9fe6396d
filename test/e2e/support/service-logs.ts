import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where the e2e run keeps what every service process printed (the global setup's chains, the specs' own services),
 * one file per process, and the fingerprints of every token the tests obtained. The global teardown scans them for
 * tokens and secrets (./secret-scan.ts). Keycloak's own log is not here: it is Keycloak's, not the services'.
 */
export const SERVICE_LOG_DIR = join(__dirname, '..', '..', '..', 'artifacts', 'e2e-logs');
/** The file of token fingerprints, inside {@link SERVICE_LOG_DIR} but not a log. */
export const FINGERPRINT_FILE = join(SERVICE_LOG_DIR, 'token-fingerprints.txt');

/** JWT-shaped strings: a JOSE header and a JSON payload, base64url, with or without a signature. */
export const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{2,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;

/**
 * A sink for one process's output: each chunk is appended (synchronously, so nothing is lost when a worker ends)
 * to `<label>-<random>.log` (a worker runs several spec files, each with its own copy of this module). Returns the
 * sink and the file's path.
 */
export function serviceLogSink(label: string): { file: string; write: (chunk: string) => void } {
  mkdirSync(SERVICE_LOG_DIR, { recursive: true });
  const safe = label.replace(/[^A-Za-z0-9_.-]+/g, '-');
  const file = join(SERVICE_LOG_DIR, `${safe}-${randomBytes(4).toString('hex')}.log`);
  return { file, write: (chunk) => appendFileSync(file, chunk) };
}

/** SHA-256 (hex) of a string: a token's parts are remembered by this, never as they are. */
export function fingerprint(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/**
 * Remembers the payload and signature of each token (its header is the same for every token of a key, and not a
 * secret), so that the scan also finds a token printed in pieces.
 */
export function recordTokens(...tokens: (string | undefined)[]): void {
  const lines = tokens
    .filter((t): t is string => typeof t === 'string' && t.split('.').length === 3)
    .flatMap((t) => t.split('.').slice(1))
    .filter((part) => part.length >= 16)
    .map((part) => `${fingerprint(part)}\n`);
  if (lines.length === 0) return;
  mkdirSync(SERVICE_LOG_DIR, { recursive: true });
  appendFileSync(FINGERPRINT_FILE, lines.join(''));
}

/** Remembers every JWT-shaped string in an answer the tests received (e.g. service-a's `/auth/token`). */
export function recordTokensIn(text: string): void {
  recordTokens(...(text.match(JWT_PATTERN) ?? []));
}

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { E2E_KEYS_DIR } from './client-keys';
import { FINGERPRINT_FILE, fingerprint, JWT_PATTERN, SERVICE_LOG_DIR } from './service-logs';

/** A value that must never appear in a service's log, and what to call it in a finding. */
export interface Secret {
  label: string;
  value: string;
}

/** One leak: where it is (file and 1-based line), what leaked, and the line with the leaked value masked. */
export interface Finding {
  file: string;
  line: number;
  what: string;
  excerpt: string;
}

/** The slice of realm-export.json the scan reads: clients' secrets and users' passwords. */
interface RealmSecrets {
  clients?: { clientId?: string; secret?: string }[];
  users?: { username?: string; credentials?: { type?: string; value?: string }[] }[];
}

const REALM_FILE = join(__dirname, '..', '..', '..', 'realm-export.json');

/** Base64url runs long enough to be a token's payload or signature, compared by fingerprint. */
const TOKEN_PART = /[A-Za-z0-9_-]{16,}/g;

/** The demo realm's client secrets and user passwords, from the realm file. */
export function realmSecrets(realmFile: string): Secret[] {
  const realm = JSON.parse(readFileSync(realmFile, 'utf8')) as RealmSecrets;
  const secrets: Secret[] = [];
  for (const client of realm.clients ?? [])
    if (client.secret) secrets.push({ label: `client secret of ${client.clientId}`, value: client.secret });
  for (const user of realm.users ?? [])
    for (const credential of user.credentials ?? [])
      if (credential.type === 'password' && credential.value)
        secrets.push({ label: `password of ${user.username}`, value: credential.value });
  return secrets;
}

/** The private parts of every client key under `keysDir` (`<client>/<kid>.key.json`): never to be logged. */
export function privateKeyParts(keysDir: string): Secret[] {
  if (!existsSync(keysDir)) return [];
  const secrets: Secret[] = [];
  for (const client of readdirSync(keysDir))
    for (const file of readdirSync(join(keysDir, client)).filter((f) => f.endsWith('.key.json'))) {
      const { privateJwk } = JSON.parse(readFileSync(join(keysDir, client, file), 'utf8')) as {
        privateJwk: Record<string, string>;
      };
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi'])
        if (privateJwk[member])
          secrets.push({ label: `private key of ${client}`, value: privateJwk[member] });
    }
  return secrets;
}

/** The first 4 characters and the length: enough to tell which value it was, not enough to use it. */
export function mask(value: string): string {
  return `${value.slice(0, 4)}…[${value.length} chars]`;
}

function excerptOf(line: string, leaked: string[]): string {
  let masked = line;
  for (const value of leaked) masked = masked.split(value).join(mask(value));
  return masked.length > 240 ? `${masked.slice(0, 240)}…` : masked;
}

/** Every leak in `text`: JWT-shaped strings, the given secrets, and parts of the tokens whose fingerprints are given. */
export function scanText(
  file: string,
  text: string,
  secrets: Secret[],
  tokenParts: ReadonlySet<string> = new Set(),
): Finding[] {
  const findings: Finding[] = [];
  text.split('\n').forEach((line, index) => {
    const found: { what: string; value: string }[] = [];
    for (const jwt of line.match(JWT_PATTERN) ?? []) found.push({ what: 'a JWT-shaped string', value: jwt });
    for (const secret of secrets)
      if (secret.value && line.includes(secret.value))
        found.push({ what: secret.label, value: secret.value });
    for (const part of line.match(TOKEN_PART) ?? [])
      if (tokenParts.has(fingerprint(part)) && !found.some((f) => f.value.includes(part)))
        found.push({ what: 'a part of a token the tests obtained', value: part });
    const leaked = found.map((f) => f.value);
    for (const { what } of found)
      findings.push({ file, line: index + 1, what, excerpt: excerptOf(line, leaked) });
  });
  return findings;
}

/** Scans every `*.log` file of `dir` (none there: nothing found). */
export function scanLogDir(dir: string, secrets: Secret[], tokenParts: ReadonlySet<string>): Finding[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.log'))
    .sort()
    .flatMap((name) => scanText(join(dir, name), readFileSync(join(dir, name), 'utf8'), secrets, tokenParts));
}

/** The fingerprints recorded by the tests (one per line), or none. */
export function readFingerprints(file: string): Set<string> {
  if (!existsSync(file)) return new Set();
  return new Set(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.length > 0),
  );
}

/** One line per finding, for the failure message: `file:line: what — masked excerpt`. */
export function describeFindings(findings: Finding[]): string {
  return findings.map((f) => `${f.file}:${f.line}: ${f.what} — ${f.excerpt}`).join('\n');
}

/**
 * The e2e run's check (global teardown): every service log of the run against the realm's secrets and passwords,
 * the private parts of the run's client keys,
 * JWT-shaped strings, and the fingerprints of the tokens the tests obtained.
 */
export function scanServiceLogs(
  dir = SERVICE_LOG_DIR,
  keysDir = E2E_KEYS_DIR,
): { files: number; findings: Finding[] } {
  const files = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.log')).length : 0;
  const secrets = [...realmSecrets(REALM_FILE), ...privateKeyParts(keysDir)];
  const findings = scanLogDir(dir, secrets, readFingerprints(FINGERPRINT_FILE));
  return { files, findings };
}

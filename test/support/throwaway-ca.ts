import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A private CA made for one test file, and a server certificate for 127.0.0.1 that it signed (PEM). */
export interface ThrowawayPki {
  /** The CA's certificate: what a client must trust. */
  ca: string;
  /** Another CA's certificate, which signed nothing the server shows. */
  unrelatedCa: string;
  /** The server's private key and certificate (SAN IP:127.0.0.1, signed by `ca`). */
  server: { key: string; cert: string };
}

/**
 * Makes a throwaway PKI with the `openssl` CLI (node:crypto can verify certificates but not issue them): EC P-256
 * keys, valid for one day, deleted from disk before this returns.
 */
export function throwawayPki(): ThrowawayPki {
  const dir = mkdtempSync(join(tmpdir(), 'keycloak-auth-pki-'));
  // Run in the temporary folder with relative file names, so the arguments can be written as one string.
  const openssl = (args: string) =>
    execFileSync('openssl', args.trim().split(/\s+/), { cwd: dir, stdio: 'pipe' });
  const ec = '-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes';
  const newCa = (name: string) =>
    openssl(`req -x509 ${ec} -keyout ${name}.key -out ${name}.pem -days 1 -subj /CN=${name}
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign`);
  try {
    newCa('test-ca');
    newCa('unrelated-ca');
    openssl(`req ${ec} -keyout server.key -out server.csr -subj /CN=127.0.0.1`);
    writeFileSync(
      join(dir, 'server.ext'),
      'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n',
    );
    openssl(`x509 -req -in server.csr -CA test-ca.pem -CAkey test-ca.key
      -set_serial 1 -days 1 -extfile server.ext -out server.pem`);
    const read = (name: string) => readFileSync(join(dir, name), 'utf8');
    return {
      ca: read('test-ca.pem'),
      unrelatedCa: read('unrelated-ca.pem'),
      server: { key: read('server.key'), cert: read('server.pem') },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

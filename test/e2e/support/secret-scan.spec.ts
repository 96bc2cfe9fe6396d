import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addClientKey } from 'nest-keycloak-s2s/client-keys';
import { describeFindings, mask, privateKeyParts, realmSecrets, scanLogDir, scanText } from './secret-scan';
import { fingerprint } from './service-logs';

// The log scan of the e2e run must be able to fail: each kind of leak is planted here and has to be found.

const REALM_FILE = join(__dirname, '..', '..', '..', 'realm-export.json');
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const TOKEN = `${b64({ alg: 'RS256', kid: 'k1' })}.${b64({ sub: 'alice', aud: 'service-b', exp: 1 })}.${'s'.repeat(43)}`;
const CLEAN =
  '{"level":30,"service":"service-b","request_id":"0f0c8b1e-7c2a-4c55-9b1e-0d6c1a2b3c4d","req":{"method":"POST","path":"/api/process"},"res":{"statusCode":401},"responseTime":3}';

describe('log secret scan', () => {
  const keysDir = mkdtempSync(join(tmpdir(), 'scan-keys-'));
  addClientKey(join(keysDir, 'service-b'));
  const secrets = [...realmSecrets(REALM_FILE), ...privateKeyParts(keysDir)];
  const privateD = secrets.find((s) => s.label === 'private key of service-b')!.value;
  afterAll(() => rmSync(keysDir, { recursive: true, force: true }));

  it("reads every user password of the realm file (the file's dev-only values); its service clients hold no secret", () => {
    expect(realmSecrets(REALM_FILE)).toEqual([
      { label: 'password of alice', value: 'alice-dev-password' },
      { label: 'password of bob', value: 'bob-dev-password' },
    ]);
  });

  it("reads the private part of each client key of the run's key folders", () => {
    expect(privateKeyParts(keysDir)).toEqual([
      { label: 'private key of service-b', value: expect.any(String) },
    ]);
    expect(privateD).toMatch(/^[\w-]{43}$/);
  });

  it('finds a planted JWT with its file and line, and does not repeat it in the excerpt', () => {
    const findings = scanText('b.log', `${CLEAN}\n{"msg":"calling with Bearer ${TOKEN}"}\n`, secrets);
    expect(findings).toEqual([
      { file: 'b.log', line: 2, what: 'a JWT-shaped string', excerpt: expect.any(String) },
    ]);
    expect(findings[0].excerpt).not.toContain(TOKEN);
    expect(findings[0].excerpt).toContain(mask(TOKEN));
  });

  it('finds an unsigned JWT (alg none, empty signature) too', () => {
    const unsigned = `${b64({ alg: 'none' })}.${b64({ sub: 'x' })}.`;
    expect(scanText('a.log', `token=${unsigned}`, secrets).map((f) => f.what)).toEqual([
      'a JWT-shaped string',
    ]);
  });

  it.each([
    ['private key of service-b', () => privateD],
    ['password of alice', () => 'alice-dev-password'],
  ])('finds the %s and masks it', (label, valueOf) => {
    const value = valueOf();
    const [finding] = scanText('c.log', `{"msg":"config","CLIENT_SECRET":"${value}"}`, secrets);
    expect(finding).toMatchObject({ line: 1, what: label });
    expect(finding.excerpt).not.toContain(value);
  });

  it("finds a token's signature printed alone once the token was recorded, and only then", () => {
    const signature = TOKEN.split('.')[2];
    const line = `{"msg":"signature ${signature} did not verify"}`;
    expect(scanText('d.log', line, secrets)).toEqual([]);
    const recorded = new Set([fingerprint(signature)]);
    expect(scanText('d.log', line, secrets, recorded)).toEqual([
      { file: 'd.log', line: 1, what: 'a part of a token the tests obtained', excerpt: expect.any(String) },
    ]);
  });

  it('finds nothing in ordinary request log lines', () => {
    expect(
      scanText('e.log', `${CLEAN}\n${CLEAN}\n`, secrets, new Set([fingerprint('x'.repeat(20))])),
    ).toEqual([]);
  });

  it('scans every .log file of a folder and names the file in the message', () => {
    const dir = mkdtempSync(join(tmpdir(), 'secret-scan-'));
    try {
      writeFileSync(join(dir, 'clean.log'), `${CLEAN}\n`);
      writeFileSync(join(dir, 'leaky.log'), `${CLEAN}\n${CLEAN}\nBearer ${TOKEN}\n`);
      writeFileSync(join(dir, 'notes.txt'), `Bearer ${TOKEN}\n`);
      const findings = scanLogDir(dir, secrets, new Set());
      expect(findings.map((f) => [f.file, f.line])).toEqual([[join(dir, 'leaky.log'), 3]]);
      expect(describeFindings(findings)).toBe(
        `${join(dir, 'leaky.log')}:3: a JWT-shaped string — Bearer ${mask(TOKEN)}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Tier {
  name: string;
  port: number;
  check: string;
  servers: { name: string; port: number; checkPort?: number }[];
}
const script = join(__dirname, '..', '..', 'scripts', 'haproxy.mjs');
const haproxy = ['/usr/sbin/haproxy', 'haproxy'].find((bin) => !spawnSync(bin, ['-v']).error);

const TIERS: Tier[] = [
  {
    name: 'keycloak',
    port: 18600,
    check: '/health/ready',
    servers: [
      { name: 'kc1', port: 18481, checkPort: 19481 },
      { name: 'kc2', port: 18482, checkPort: 19482 },
    ],
  },
  { name: 'service-a', port: 18601, check: '/health/ready', servers: [{ name: 'a1', port: 18602 }] },
];

async function config(tiers: Tier[]): Promise<string> {
  const { haproxyConfig } = (await import(script)) as { haproxyConfig: (t: Tier[]) => string };
  return haproxyConfig(tiers);
}

describe("the cluster stack's HAProxy configuration (scripts/haproxy.mjs)", () => {
  it('re-sends a request that met a closing server to another one, with its POST body buffered', async () => {
    const text = await config(TIERS);
    for (const line of ['retries 3', 'option redispatch 1', 'retry-on all-retryable-errors 503'])
      expect(text).toContain(`  ${line}\n`);
    expect(text).toContain('  option http-buffer-request\n');
  });

  it("checks each server's readiness, Keycloak's on its management port", async () => {
    const text = await config(TIERS);
    expect(text).toContain('  server kc1 127.0.0.1:18481 check port 19481\n');
    expect(text).toContain('  server a1 127.0.0.1:18602 check\n');
    expect(text.match(/option httpchk GET \/health\/ready/g)).toHaveLength(2);
    expect(text).toContain('  bind 127.0.0.1:18600\n');
  });

  it.skipIf(!haproxy)('is accepted by haproxy -c', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'haproxy-config-spec-'));
    try {
      const file = join(dir, 'haproxy.cfg');
      writeFileSync(file, await config(TIERS));
      const check = spawnSync(haproxy as string, ['-c', '-f', file], { encoding: 'utf8' });
      expect(`${check.status} ${check.stderr}`).toMatch(/^0 /);
      writeFileSync(
        file,
        (await config(TIERS)).replace(
          'retry-on all-retryable-errors 503',
          'retry-on all-retryable-errors 999',
        ),
      );
      expect(spawnSync(haproxy as string, ['-c', '-f', file]).status).not.toBe(0);
    } finally {
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    }
  });
});

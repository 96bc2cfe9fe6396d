import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  capacityMarkdown,
  capacityModel,
  GRANTS_PER_VCPU,
  HEADROOM,
  REALM_TOKEN_LIFETIME_SEC,
  usersMeasurements,
} from './capacity-report';

describe('the capacity model', () => {
  const inputs = { keycloakCpuMsPerCall: 3, uncachedCallsPerRequest: 4, cachedCallsPerRequest: 0.0001 };
  const users = [{ users: 10_000, keycloakCallsPerRequest: 0, tokenLifetimeSec: 300 }];

  it('needs Keycloak for every call of the uncached chain, by the measured cost and by the guidance', () => {
    const [uncached] = capacityModel(inputs, users);
    expect(uncached).toMatchObject({ setup: 'uncached', chainPerSec: 1000, keycloakCallsPerSec: 4000 });
    expect(uncached.vcpuMeasured).toBeCloseTo(4000 * 0.003 * HEADROOM);
    expect(uncached.vcpuGuidance).toBeCloseTo((4000 / GRANTS_PER_VCPU) * HEADROOM);
  });

  it('counts one exchange per user per token lifetime, whatever the rate, when the cache holds every user', () => {
    const rows = capacityModel(inputs, users).filter((r) => r.setup === 'this library, 10 000 users');
    expect(rows.map((r) => r.keycloakCallsPerSec)).toEqual([10_000 / 300, 10_000 / 300]);
    const thrashing = capacityModel(inputs, [{ ...users[0], keycloakCallsPerRequest: 0.5 }]);
    expect(
      thrashing.find((r) => r.setup.endsWith('users') && r.chainPerSec === 10_000)?.keycloakCallsPerSec,
    ).toBe(5000);
  });

  it('prints the rows, with "–" where the chain run measured no Keycloak CPU', () => {
    const markdown = capacityMarkdown({ ...inputs, keycloakCpuMsPerCall: undefined }, []);
    expect(markdown).toContain('| uncached | 10 000 | 40 000 | – | 833.33 |');
    expect(markdown).toContain('| this library, one token | 1 000 | 0.10 | – | 0.00 |');
  });

  it("reads the many-users part's jwt runs whose cache held every user, and nothing without its file", () => {
    const file = join(mkdtempSync(join(tmpdir(), 'capacity-')), 'users.json');
    expect(usersMeasurements(file)).toEqual([]);
    const run = (mode: string, users: number, cacheMaxEntries: number) => ({
      mode,
      users,
      cacheMaxEntries,
      sent: 20_000,
      keycloakCalls: { token_exchange: 10, jwks: 0 },
      cpuMs: { keycloak: 40 },
    });
    const runs = [
      run('jwt', 1, 10_000),
      run('jwt', 10_000, 20_000),
      run('jwt', 10_000, 1000),
      run('introspection', 10_000, 20_000),
    ];
    writeFileSync(file, JSON.stringify({ runs }));
    expect(usersMeasurements(file)).toEqual([
      {
        users: 10_000,
        keycloakCallsPerRequest: 0.0005,
        keycloakCpuMsPerRequest: 0.002,
        tokenLifetimeSec: REALM_TOKEN_LIFETIME_SEC,
      },
    ]);
  });
});

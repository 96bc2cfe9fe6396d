import { chainMarkdown, ChainReport } from './chain-report';
import { TEST_MACHINE } from './machine.fixture';
import { CheckSample, replayStoreCost, ReplayStoreCost, replayStoreTable } from './replay-store-report';

const sample = (
  bearerCpuUs: number,
  dpopCpuUs: number,
  bearerWallUs: number,
  dpopWallUs: number,
): CheckSample => ({
  bearerCpuUs,
  dpopCpuUs,
  bearerWallUs,
  dpopWallUs,
});

describe("the replay stores' cost per DPoP check", () => {
  it('takes CPU as the difference of the means and wall time as the difference of the medians', () => {
    // CPU means 10 and 40; wall medians 12 and 50 (the 500 of one slow check moves the mean, not the median).
    const samples = [sample(8, 30, 10, 45), sample(10, 40, 12, 50), sample(12, 50, 14, 500)];
    expect(replayStoreCost('memory', 'EdDSA', samples)).toEqual({
      store: 'memory',
      alg: 'EdDSA',
      checks: 3,
      checkCpuUs: 30,
      checkWallP50Us: 38,
      guardWallP99Us: 500,
    });
  });

  it("divides the store process's CPU among the checks, and gives nothing for no checks", () => {
    const samples = Array.from({ length: 4 }, () => sample(10, 40, 10, 60));
    expect(replayStoreCost('redis', 'EdDSA', samples, 0.1)?.storeCpuUs).toBeCloseTo(25);
    expect(replayStoreCost('redis', 'EdDSA', samples, 0)?.storeCpuUs).toBe(0);
    expect(replayStoreCost('redis', 'EdDSA', samples)).not.toHaveProperty('storeCpuUs');
    expect(replayStoreCost('redis', 'EdDSA', [])).toBeUndefined();
  });

  const memory: ReplayStoreCost = {
    store: 'memory',
    alg: 'EdDSA',
    checks: 12_000,
    checkCpuUs: 200,
    checkWallP50Us: 190,
    guardWallP99Us: 400,
  };
  const redis: ReplayStoreCost = {
    store: 'redis',
    alg: 'EdDSA',
    checks: 12_000,
    checkCpuUs: 230.5,
    checkWallP50Us: 260,
    guardWallP99Us: 700,
    storeCpuUs: 12,
  };

  it('tables each store against the in-process one: CPU of both processes, wall time of the check', () => {
    const markdown = replayStoreTable([memory, redis]);
    expect(markdown).toContain(
      '| in process (default) | EdDSA | 12 000 | 200.0 | 190.0 | 400.0 | – | – | – |',
    );
    expect(markdown).toContain(
      '| RedisReplayStore, loopback | EdDSA | 12 000 | 230.5 | 260.0 | 700.0 | 12.0 | +42.5 | +70.0 |',
    );
    // Without the in-process row nothing is compared; a store whose process could not be read shows no CPU.
    expect(replayStoreTable([{ ...redis, storeCpuUs: undefined }])).toContain(
      '| 230.5 | 260.0 | 700.0 | – | – | – |',
    );
  });

  it('is part of the chain report when the run measured it, and absent from older runs', () => {
    const run: ChainReport = {
      startedAt: '2026-01-01T00:00:00.000Z',
      machine: TEST_MACHINE,
      settings: {
        durationSec: 1,
        warmupSec: 1,
        warmupRequests: 1,
        connections: 1,
        logLevel: 'warn',
        rounds: 1,
      },
      scenarios: [],
    };
    expect(chainMarkdown(run)).not.toContain('replay store');
    const withStores = chainMarkdown({ ...run, replayStores: [memory, redis] });
    expect(withStores).toContain("Service-c's DPoP check with each replay store");
    expect(withStores).toContain('| RedisReplayStore, loopback | EdDSA |');
  });
});

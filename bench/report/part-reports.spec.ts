import { guardMarkdown, GuardReport } from './guard-report';
import { TEST_MACHINE as machine } from './machine.fixture';
import { memoryMarkdown, MemoryReport } from './memory-report';

describe('guard and memory reports', () => {
  it('the guard table has one row per case', () => {
    const report: GuardReport = {
      startedAt: '2026-01-01T00:00:00.000Z',
      machine,
      secondsPerCase: 2,
      cases: [
        {
          id: 'jwt-cached',
          title: 'jwt, cached',
          validations: 400_000,
          durationSec: 2,
          perSec: 200_000,
          meanUs: 5,
          p50Us: 3.5,
          p99Us: 5.25,
        },
      ],
    };
    const markdown = guardMarkdown(report);
    expect(markdown).toContain('Run 2026-01-01T00:00:00.000Z. Machine: 2 cores (Test CPU)');
    expect(markdown).toContain('at most 2 s per case');
    expect(markdown).toContain('| jwt, cached | 200 000 | 5.0 | 3.5 | 5.3 | 400 000 |');
  });

  const memory: MemoryReport = {
    startedAt: '2026-01-01T00:00:00.000Z',
    note: 'quiet',
    machine,
    tokens: 100_000,
    cacheMaxEntries: 10_000,
    introspections: 100_000,
    entries: 10_000,
    samples: [
      { label: 'before', tokens: 0, heapUsedMiB: 40, rssMiB: 200 },
      { label: 'cache full', tokens: 10_000, heapUsedMiB: 54, rssMiB: 290 },
      { label: 'after all tokens', tokens: 100_000, heapUsedMiB: 55.25, rssMiB: 300 },
    ],
    heapGrowthLimitMiB: 8,
    passed: true,
    failures: [],
  };

  it('the memory report gives entries, heap samples and the verdict', () => {
    const markdown = memoryMarkdown(memory);
    expect(markdown).toContain('Run 2026-01-01T00:00:00.000Z — quiet.');
    expect(markdown).toContain('**10 000 entries** in the cache at the end');
    expect(markdown).toContain('Verdict: **passed**.');
    expect(markdown).toContain('| after all tokens | 100 000 | 55.3 | 300.0 |');
  });

  it('a broken bound reads as more than the bound, and fails with its reasons', () => {
    const markdown = memoryMarkdown({
      ...memory,
      entries: 10_001,
      passed: false,
      failures: ['the cache answered more than 10000 tokens without Keycloak: the bound is broken'],
    });
    expect(markdown).toContain('**more than 10 000 entries**');
    expect(markdown).toContain('Verdict: **FAILED (the cache answered more than 10000 tokens');
  });
});

import { count, fixed, table } from './format';
import { RunHeader, runLine } from './machine';

/** Heap and RSS at one point of the memory check, after a full garbage collection. */
export interface MemorySample {
  label: string;
  /** Tokens validated so far. */
  tokens: number;
  heapUsedMiB: number;
  rssMiB: number;
}

/** A memory check run, as written to bench/results/memory.json. */
export interface MemoryReport extends RunHeader {
  tokens: number;
  cacheMaxEntries: number;
  /** Introspection calls made: one per distinct token when the cache works. */
  introspections: number;
  /**
   * Entries found in the cache at the end (the newest tokens it still answers without a call); counting stops one
   * past the bound, so a value above `verification.cacheMaxEntries` means "more than the bound".
   */
  entries: number;
  samples: MemorySample[];
  /** The most the heap may grow over the second half of the tokens after the cache is full. */
  heapGrowthLimitMiB: number;
  passed: boolean;
  failures: string[];
}

/** The report as markdown. */
export function memoryMarkdown(report: MemoryReport): string {
  return [
    runLine(report),
    '',
    `${count(report.tokens)} distinct tokens through introspection mode with \`cacheMaxEntries\` ` +
      `${count(report.cacheMaxEntries)}: ${count(report.introspections)} introspections, ` +
      `**${report.entries > report.cacheMaxEntries ? 'more than ' : ''}${count(Math.min(report.entries, report.cacheMaxEntries))} entries** in the cache at the end; the heap may grow at most ` +
      `${fixed(report.heapGrowthLimitMiB, 1)} MiB from half way to the end. ` +
      `Verdict: **${report.passed ? 'passed' : `FAILED (${report.failures.join('; ')})`}**.`,
    '',
    table(
      ['when', 'tokens so far', 'heap used MiB', 'RSS MiB'],
      report.samples.map((s) => [s.label, count(s.tokens), fixed(s.heapUsedMiB, 1), fixed(s.rssMiB, 1)]),
    ),
  ].join('\n');
}

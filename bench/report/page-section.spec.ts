import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCHMARK_PAGE, markers, replaceBetweenMarkers } from './page-section';

const root = join(__dirname, '..', '..');

describe('sections of the benchmark page written by the benchmark', () => {
  const [open, close] = markers('chain');

  it('replaces only what stands between the markers', () => {
    const page = `# Benchmark\n\nintro\n\n${open}\n\nold table\n\n${close}\n\nafter\n`;
    const updated = replaceBetweenMarkers(page, 'chain', '| new | table |\n');
    expect(updated).toBe(`# Benchmark\n\nintro\n\n${open}\n\n| new | table |\n\n${close}\n\nafter\n`);
    expect(replaceBetweenMarkers(updated, 'chain', '| new | table |')).toBe(updated);
  });

  it('fails when the section has no markers, instead of writing elsewhere', () => {
    expect(() => replaceBetweenMarkers('# no markers\n', 'chain', 'x')).toThrow(
      'docs/benchmark.md has no <!-- bench:chain --> … <!-- /bench:chain --> section',
    );
    expect(() => replaceBetweenMarkers(`${close}\n${open}\n`, 'chain', 'x')).toThrow('has no');
  });

  it('writes into docs/benchmark.md, which holds the markers of every part (and the README none)', () => {
    expect(BENCHMARK_PAGE).toBe('docs/benchmark.md');
    const page = readFileSync(join(root, BENCHMARK_PAGE), 'utf8');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const part of ['chain', 'guard', 'memory']) {
      const [partOpen, partClose] = markers(part);
      expect(page.indexOf(partOpen)).toBeGreaterThanOrEqual(0);
      expect(page.indexOf(partClose)).toBeGreaterThan(page.indexOf(partOpen));
      expect(readme).not.toContain(partOpen);
    }
  });
});

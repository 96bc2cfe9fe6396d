import { markers, replaceBetweenMarkers } from './readme-section';

describe('README sections written by the benchmark', () => {
  const [open, close] = markers('chain');

  it('replaces only what stands between the markers', () => {
    const readme = `# Title\n\n## Benchmark\n\nintro\n\n${open}\n\nold table\n\n${close}\n\nafter\n`;
    const updated = replaceBetweenMarkers(readme, 'chain', '| new | table |\n');
    expect(updated).toBe(
      `# Title\n\n## Benchmark\n\nintro\n\n${open}\n\n| new | table |\n\n${close}\n\nafter\n`,
    );
    expect(replaceBetweenMarkers(updated, 'chain', '| new | table |')).toBe(updated);
  });

  it('fails when the section has no markers, instead of writing elsewhere', () => {
    expect(() => replaceBetweenMarkers('# no markers\n', 'chain', 'x')).toThrow(
      'README.md has no <!-- bench:chain --> … <!-- /bench:chain --> section',
    );
    expect(() => replaceBetweenMarkers(`${close}\n${open}\n`, 'chain', 'x')).toThrow('has no');
  });
});

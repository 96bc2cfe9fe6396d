// The benchmark page's generated tables: the part of a section between two HTML comments, replaced on `--readme`.

/** The page that holds the generated tables, relative to the repository's root. */
export const BENCHMARK_PAGE = 'docs/benchmark.md';

/** The markers around the generated part of a section: `<!-- bench:<name> -->` … `<!-- /bench:<name> -->`. */
export function markers(name: string): [string, string] {
  return [`<!-- bench:${name} -->`, `<!-- /bench:${name} -->`];
}

/**
 * `text` (the content of `file`) with what stands between the markers of `name` replaced by `content`; throws,
 * naming `file`, when the markers are missing.
 */
export function replaceBetweenMarkers(
  text: string,
  name: string,
  content: string,
  file = BENCHMARK_PAGE,
): string {
  const [open, close] = markers(name);
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) throw new Error(`${file} has no ${open} … ${close} section`);
  return `${text.slice(0, start + open.length)}\n\n${content.trim()}\n\n${text.slice(end)}`;
}

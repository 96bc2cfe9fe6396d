// The README's generated tables: the part of a section between two HTML comments, replaced on `--readme`.

/** The markers around the generated part of a README section: `<!-- bench:<name> -->` … `<!-- /bench:<name> -->`. */
export function markers(name: string): [string, string] {
  return [`<!-- bench:${name} -->`, `<!-- /bench:${name} -->`];
}

/** `text` with what stands between the markers of `name` replaced by `content`; throws when the markers are missing. */
export function replaceBetweenMarkers(text: string, name: string, content: string): string {
  const [open, close] = markers(name);
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) throw new Error(`README.md has no ${open} … ${close} section`);
  return `${text.slice(0, start + open.length)}\n\n${content.trim()}\n\n${text.slice(end)}`;
}

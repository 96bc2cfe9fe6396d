/** A number for a table: `digits` decimals, or "–" when there is none. */
export function fixed(value: number | undefined, digits = 0): string {
  return value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

/** A whole number with thousands separators, e.g. 12 345. */
export function count(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return Math.round(value)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

/** A multiple, e.g. 0.93×; "–" when there is none. */
export function times(value: number | undefined, digits = 2): string {
  return value === undefined ? '–' : `${value.toFixed(digits)}×`;
}

/** A markdown table: a header row, the separator, the rows; cells may not contain `|`. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  for (const cell of [...header, ...rows.flat()])
    if (cell.includes('|')) throw new Error(`a table cell cannot contain "|": ${cell}`);
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The label value for `value`: itself when it is one of `allowed`, else `other` (bounded label sets). */
export function oneOf(value: unknown, allowed: readonly string[]): string {
  return typeof value === 'string' && allowed.includes(value) ? value : 'other';
}

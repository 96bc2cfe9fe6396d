/** The lines describing how a live object differs from the file, and the patch that makes it match. */
export interface FieldDiff {
  lines: string[];
  patch: Record<string, unknown>;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/** Deep equality of JSON values (key order ignored). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => sameValue(a[key], b[key]));
  }
  return a === b;
}

/** A value as the diff prints it (JSON; `(none)` when absent). */
export const show = (value: unknown): string => (value === undefined ? '(none)' : JSON.stringify(value));

/** The elements `want` has and `have` lacks, and the reverse. */
export function setDifference(want: string[], have: string[]): { missing: string[]; extra: string[] } {
  return { missing: want.filter((x) => !have.includes(x)), extra: have.filter((x) => !want.includes(x)) };
}

/**
 * Compares the fields the file states (`desired`, minus `skip`) with the live object's. Lists of strings
 * (redirect URIs, web origins) compare as sets, one line per element; objects (attributes) compare key by key,
 * only the keys the file states, and their patch is meant to be merged into the live object; everything else
 * compares as a whole. Keys the file leaves out are not compared.
 */
export function diffFields(
  subject: string,
  desired: Record<string, unknown>,
  live: Record<string, unknown>,
  skip: readonly string[],
): FieldDiff {
  const lines: string[] = [];
  const patch: Record<string, unknown> = {};
  for (const [key, want] of Object.entries(desired)) {
    if (skip.includes(key) || want === undefined) continue;
    const have = live[key];
    if (isStringList(want) && (have === undefined || isStringList(have))) {
      const { missing, extra } = setDifference(want, have ?? []);
      lines.push(
        ...missing.map((x) => `+ ${subject}: ${key} ${x}`),
        ...extra.map((x) => `- ${subject}: ${key} ${x}`),
      );
      if (missing.length || extra.length) patch[key] = want;
    } else if (isObject(want)) {
      const haveObject = isObject(have) ? have : {};
      const changed: Record<string, unknown> = {};
      for (const [inner, wantInner] of Object.entries(want)) {
        if (sameValue(wantInner, haveObject[inner])) continue;
        lines.push(
          haveObject[inner] === undefined
            ? `+ ${subject}: ${key}.${inner} = ${show(wantInner)}`
            : `~ ${subject}: ${key}.${inner} ${show(haveObject[inner])} → ${show(wantInner)}`,
        );
        changed[inner] = wantInner;
      }
      if (Object.keys(changed).length) patch[key] = changed;
    } else if (!sameValue(want, have)) {
      lines.push(`~ ${subject}: ${key} ${show(have)} → ${show(want)}`);
      patch[key] = want;
    }
  }
  return { lines, patch };
}

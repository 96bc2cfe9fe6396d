import { sameValue, setDifference, show } from './field-diff';
import type { Change } from './plan';

/** A client's Authorization Services settings as Keycloak exports them (or as realm-export.json states them). */
export type AuthorizationSettings = Record<string, unknown>;

/** The named lists of a resource server, each compared item by item (by name). */
const LISTS = [
  ['resources', 'resource'],
  ['scopes', 'scope'],
  ['policies', 'policy'],
] as const;

type Named = Record<string, unknown> & { name?: string };

const named = (value: unknown): Named[] =>
  Array.isArray(value) ? value.filter((v): v is Named => typeof v === 'object' && v !== null) : [];

/**
 * A config value as Keycloak reads it: policy config values are JSON in strings, written with any spacing, and
 * their lists of names (`applyPolicies`, `resources`, `clients`) are sets, exported in an order of Keycloak's own.
 */
function parsed(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return value;
  }
  return Array.isArray(json) && json.every((v) => typeof v === 'string') ? [...json].sort() : json;
}

/** The lines of one item's fields the file states that differ from Keycloak's. */
function itemLines(subject: string, want: Named, have: Named): string[] {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(want)) {
    if (key === 'name' || value === undefined) continue;
    if (key === 'scopes' && Array.isArray(value)) {
      // A resource's scopes, by name.
      const names = (list: unknown) => named(list).map((s) => String(s.name));
      const { missing, extra } = setDifference(names(value), names(have.scopes));
      lines.push(
        ...missing.map((s) => `+ ${subject}: scope ${s}`),
        ...extra.map((s) => `- ${subject}: scope ${s}`),
      );
    } else if (key === 'config' && typeof value === 'object' && value !== null) {
      const haveConfig = (have.config ?? {}) as Record<string, unknown>;
      for (const [inner, wantInner] of Object.entries(value))
        if (!sameValue(parsed(wantInner), parsed(haveConfig[inner])))
          lines.push(`~ ${subject}: config.${inner} ${show(haveConfig[inner])} → ${show(wantInner)}`);
    } else if (!sameValue(value, have[key])) {
      lines.push(`~ ${subject}: ${key} ${show(have[key])} → ${show(value)}`);
    }
  }
  return lines;
}

/**
 * The changes that give a client the Authorization Services settings the file states (its resources, scopes,
 * policies and permissions, and the resource server's own fields), all fixed by one import of the file's
 * settings — Keycloak's import creates what is missing and updates what it finds by name. Resources, scopes and
 * policies the file does not name are left alone, as elsewhere in the plan.
 */
export function planAuthorization(
  clientId: string,
  want: AuthorizationSettings | undefined,
  have: AuthorizationSettings | undefined,
): Change[] {
  if (!want) return [];
  const subject = `client ${clientId}: authorization`;
  const lines: string[] = [];
  if (!have)
    lines.push(
      `+ ${subject} settings (${named(want.resources).length} resources, ${named(want.policies).length} policies)`,
    );
  else {
    for (const [key, value] of Object.entries(want)) {
      if (LISTS.some(([list]) => list === key) || typeof value === 'object') continue;
      if (!sameValue(value, have[key])) lines.push(`~ ${subject} ${key} ${show(have[key])} → ${show(value)}`);
    }
    for (const [list, kind] of LISTS) {
      const live = named(have[list]);
      for (const item of named(want[list])) {
        const found = live.find((l) => l.name === item.name);
        const itemSubject = `${subject} ${kind} "${item.name}"`;
        if (!found) lines.push(`+ ${itemSubject}`);
        else lines.push(...itemLines(itemSubject, item, found));
      }
    }
  }
  const action = { kind: 'importAuthorization' as const, clientId, settings: want };
  return lines.map((line) => ({ line, action }));
}

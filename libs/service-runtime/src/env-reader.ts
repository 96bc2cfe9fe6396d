/** The environment as Node gives it (or a test's object). */
export type RawEnv = Record<string, unknown>;

/**
 * Reads keys of one environment with the service's defaults, collecting every problem instead of stopping at the
 * first, so a bad start names all bad keys at once ({@link EnvReader.done} throws them together).
 */
export interface EnvReader {
  /** The key's trimmed value (or its default); undefined when unset or blank. */
  value(key: string): string | undefined;
  /** The value, and a problem when it is missing. */
  required(key: string): string;
  /** An http(s) URL without its trailing slash; a problem when malformed, or missing and `required`. */
  url(key: string, required: boolean): string | undefined;
  /** An integer (`fallback` when unset); a problem (and `fallback`) when it is not one, or is below `min`. */
  int(key: string, fallback: number, min?: number): number;
  /** `true` or `false` (any case), false when unset; a problem otherwise. */
  bool(key: string): boolean;
  /** Records a problem found elsewhere (e.g. by the library's resolver). */
  problem(message: string): void;
  /** Whether a problem with `key` was already recorded by this reader (one message per key is enough). */
  reported(key: string): boolean;
  /** Throws `Invalid configuration: <every problem>` if there is one. */
  done(): void;
}

/** An {@link EnvReader} over `raw`, where unset keys take `defaults`. */
export function envReader(raw: RawEnv, defaults: Partial<Record<string, string>> = {}): EnvReader {
  const problems: string[] = [];
  const keys = new Set<string>();
  const report = (key: string, message: string) => {
    keys.add(key);
    problems.push(message);
  };
  const value = (key: string) => {
    const v = raw[key] ?? defaults[key];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  };
  return {
    value,
    required(key) {
      const v = value(key);
      if (v === undefined) report(key, `${key} is required`);
      return v ?? '';
    },
    url(key, required) {
      const v = value(key);
      if (v === undefined) {
        if (required) report(key, `${key} is required (an http(s) URL)`);
        return undefined;
      }
      if (!/^https?:\/\/[^\s/]+/.test(v)) report(key, `${key} must be an http(s) URL, got "${v}"`);
      return v.replace(/\/+$/, '');
    },
    int(key, fallback, min) {
      const v = value(key);
      if (v === undefined) return fallback;
      const n = Number(v);
      if (Number.isInteger(n) && (min === undefined || n >= min)) return n;
      report(key, `${key} must be an integer${min === undefined ? '' : ` >= ${min}`}, got "${v}"`);
      return fallback; // reported once, here: what reads it next sees a valid value
    },
    bool(key) {
      const v = value(key)?.toLowerCase() ?? 'false';
      if (v !== 'true' && v !== 'false') report(key, `${key} must be true or false, got "${v}"`);
      return v === 'true';
    },
    problem(message) {
      problems.push(message);
    },
    reported(key) {
      return keys.has(key);
    },
    done() {
      if (problems.length > 0) throw new Error(`Invalid configuration: ${problems.join('; ')}`);
    },
  };
}

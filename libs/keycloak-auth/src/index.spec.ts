import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as main from './index';

/** The names each `export { … }` / `export type { … }` of the main entry lists, values and types apart. */
function listedNames() {
  const source = readFileSync(join(__dirname, 'index.ts'), 'utf8');
  const values: string[] = [];
  const types: string[] = [];
  for (const [, type, list] of source.matchAll(/^export (type )?\{([^}]*)\}/gm)) {
    const names = list.split(',').map((name) => name.trim());
    (type ? types : values).push(...names.filter(Boolean));
  }
  return { values, types };
}

describe('the main entry', () => {
  it('exports at most 20 names, types included: what an application writes, the rest behind subpaths', () => {
    const { values, types } = listedNames();
    expect(values.length + types.length).toBeLessThanOrEqual(20);
  });

  it('exports at run time exactly the values it lists', () => {
    expect(Object.keys(main).sort()).toEqual(listedNames().values.sort());
  });
});

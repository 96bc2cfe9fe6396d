import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { BENCHMARK_PAGE, replaceBetweenMarkers } from './page-section';

const root = join(__dirname, '..', '..');
/** Where every run writes its results (committed: the latest run of each part). */
export const RESULTS_DIR = join(root, 'bench', 'results');

/** Formats a file's text the way `npm run lint` (prettier --check) expects it. */
async function formatted(path: string, text: string): Promise<string> {
  const config = (await prettier.resolveConfig(path)) ?? {};
  return prettier.format(text, { ...config, filepath: path });
}

/** Writes `bench/results/<part>.json` and `.md`; returns their paths. */
export async function writeResults(
  part: string,
  data: unknown,
  title: string,
  markdown: string,
): Promise<string[]> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const json = join(RESULTS_DIR, `${part}.json`);
  const md = join(RESULTS_DIR, `${part}.md`);
  writeFileSync(json, await formatted(json, JSON.stringify(data, null, 2)));
  writeFileSync(md, await formatted(md, `# ${title}\n\n${markdown}\n`));
  return [json, md];
}

/** Writes `content` between the markers of `name` in docs/benchmark.md (`--readme`). */
export async function updateBenchmarkPage(name: string, content: string): Promise<void> {
  const page = join(root, BENCHMARK_PAGE);
  const text = replaceBetweenMarkers(readFileSync(page, 'utf8'), name, content);
  writeFileSync(page, await formatted(page, text));
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

/** The Dockerfile's instructions (comments and blank lines dropped), split into stages at each FROM. */
function stages(dockerfile: string): { from: string; lines: string[] }[] {
  const lines = dockerfile.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
  const result: { from: string; lines: string[] }[] = [];
  for (const line of lines) {
    if (line.startsWith('FROM ')) result.push({ from: line, lines: [] });
    else result.at(-1)?.lines.push(line);
  }
  return result;
}

// No Docker engine here (and no Dockerfile parser among the registries' packages): these check the file's text for
// what test/postgres relies on when it runs the same build and run steps outside a container.
describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const all = stages(dockerfile);
  const runtime = all.at(-1)!;
  const stage = (name: string) => all.find((s) => s.from.endsWith(` AS ${name}`));

  it('builds on the Node version the services run on everywhere else (.node-version), in every stage', () => {
    const version = read('.node-version').trim();
    expect(version).toMatch(/^24\.\d+\.\d+$/);
    expect(dockerfile).toMatch(
      new RegExp(`^ARG NODE_IMAGE=node:${version.replace(/\./g, '\\.')}-bookworm-slim$`, 'm'),
    );
    expect(all.map((s) => s.from.split(' ')[1])).toEqual(['${NODE_IMAGE}', '${NODE_IMAGE}', '${NODE_IMAGE}']);
  });

  it('compiles TypeScript in the build stage with scripts/build.mjs, into dist/', () => {
    expect(stage('build')?.lines).toContain('RUN node scripts/build.mjs --out-dir dist');
  });

  it('runs plain node on the compiled service, with production dependencies only, as the non-root node user', () => {
    expect(stage('deps')?.lines.join('\n')).toMatch(/^RUN npm ci --omit=dev\b/m);
    expect(runtime.lines).toContain('COPY --from=deps /app/node_modules ./node_modules');
    expect(runtime.lines).toContain('COPY --from=build /app/dist ./dist');
    // The key folder of signed-JWT client authentication, writable by the service for its first key.
    expect(runtime.lines).toContain('COPY --from=build --chown=node:node /keys /keys');
    expect(runtime.lines).not.toContainEqual(expect.stringMatching(/^(RUN|COPY (?!--from))/));
    const user = runtime.lines.indexOf('USER node');
    expect(user).toBeGreaterThan(-1);
    expect(runtime.lines.findIndex((l) => l.startsWith('CMD '))).toBeGreaterThan(user);
    expect(runtime.lines.at(-1)).toBe('CMD ["sh", "-c", "exec node dist/apps/${SERVICE}/src/main.js"]');
    expect(runtime.lines.join('\n')).not.toMatch(/swc|ts-node|\.ts\b/);
  });

  it('builds from an allow-list context: package files, TypeScript config, the build script and the sources only', () => {
    const patterns = read('.dockerignore')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'));
    expect(patterns[0]).toBe('*'); // everything else of the working copy (.keycloak, .docker, .keys, .git…) stays out
    expect(patterns.filter((p) => p.startsWith('!')).sort()).toEqual(
      [
        '!apps/',
        '!libs/',
        '!package-lock.json',
        '!package.json',
        '!scripts/build.mjs',
        '!tsconfig.build.json',
        '!tsconfig.json',
      ].sort(),
    );
    // Inside the allowed folders: no installed packages, build output or tests.
    expect(patterns).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '**/*.spec.ts']));
    // Every file the build stage copies is in the context.
    const copied = stage('build')!
      .lines.filter((l) => l.startsWith('COPY ') && !l.includes('--from'))
      .flatMap((l) => l.split(/\s+/).slice(1, -1));
    const allowed = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
    for (const path of copied)
      expect(allowed.some((a) => path === a || (a.endsWith('/') && `${path}/`.startsWith(a)))).toBe(true);
  });
});

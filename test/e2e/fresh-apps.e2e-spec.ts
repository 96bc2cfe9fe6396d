import { signedJwtEnv } from './support/client-keys';
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BEFORE_SHIM, blocksOf, docBlocks, mapDiagnostics } from './support/doc-blocks';
import { KEYCLOAK_URL, serviceToken } from './support/keycloak';
import { RunningService, startService } from './support/service-process';

/**
 * The packed library as a user gets it: `npm pack`, then two apps of their own outside the workspace (nothing
 * resolves from the repo's node_modules) — Nest 12 as ES modules on Fastify, Nest 11 as CommonJS on Express —
 * compiled by tsc from the sources in ./fresh-apps, each started as its own process against the e2e Keycloak.
 * The Nest 12 app also holds every ```ts block of the documentation (./support/doc-blocks.ts) under docs/, compiled
 * by one more tsc run with the tsconfig `nest new` writes for Nest 12 (isolatedModules and decorator metadata).
 */

const run = promisify(execFile);
const repo = join(__dirname, '..', '..');
const sources = join(__dirname, 'fresh-apps');
const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');

interface Flavour {
  name: string;
  nest: string;
  type: 'module' | 'commonjs';
  platform: 'fastify' | 'express';
  /** Whether the documentation's blocks are compiled in this app. */
  docs?: boolean;
}

const FLAVOURS: Flavour[] = [
  { name: 'nest12-esm-fastify', nest: '^12', type: 'module', platform: 'fastify', docs: true },
  { name: 'nest11-cjs-express', nest: '^11', type: 'commonjs', platform: 'express' },
];

/** Runs `file args` in `cwd`; a failure carries the command and the end of its output. */
async function sh(file: string, args: string[], cwd: string, what: string): Promise<string> {
  try {
    const { stdout } = await run(file, args, { cwd, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    const { stdout = '', stderr = '' } = e as { stdout?: string; stderr?: string };
    throw new Error(`${what} failed in ${cwd}:\n${`${stdout}\n${stderr}`.trim().slice(-3000)}`);
  }
}

/** Writes the app of `flavour` into a fresh temp dir, installs it with `tarball` and compiles it to dist/. */
async function prepareApp(flavour: Flavour, tarball: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `${flavour.name}-`));
  mkdirSync(join(dir, 'src'));
  for (const file of ['main.ts', 'app.module.ts', 'orders.controller.ts', 'orders.test.ts'])
    copyFileSync(join(sources, file), join(dir, 'src', file));
  copyFileSync(join(sources, `platform-${flavour.platform}.ts`), join(dir, 'src', 'platform.ts'));
  // The guide's own LocalIdp test, as the guide writes it: compiled with the app and run under node --test below.
  if (flavour.docs) writeFileSync(join(dir, 'src', 'guide.test.ts'), guideTest());
  const json = (path: string, value: unknown) =>
    writeFileSync(join(dir, path), JSON.stringify(value, null, 2));
  json('package.json', { name: flavour.name, private: true, type: flavour.type });
  json('tsconfig.json', {
    compilerOptions: {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'ES2022',
      strict: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      outDir: 'dist',
      rootDir: 'src',
      types: ['node'],
    },
    include: ['src'],
  });
  const packages = ['common', 'core', `platform-${flavour.platform}`].map(
    (p) => `@nestjs/${p}@${flavour.nest}`,
  );
  const install = (args: string[]) =>
    sh('npm', ['install', '--no-audit', '--no-fund', ...args], dir, `npm install ${args.join(' ')}`);
  // What the documentation's blocks import besides the library: its optional peers and @nestjs/config.
  const docPackages = flavour.docs
    ? [
        ...['passport', 'axios', 'terminus', 'config'].map((p) => `@nestjs/${p}@${flavour.nest}`),
        'passport@^0.7',
        'passport-custom@^1',
        'axios@^1',
        '@redis/client@^6',
      ]
    : [];
  await install([...packages, 'reflect-metadata', 'rxjs', ...docPackages, tarball]);
  await install(['--save-dev', '@types/node@^24']);
  await sh(process.execPath, [tsc, '-p', 'tsconfig.json'], dir, 'tsc');
  if (flavour.docs) writeDocs(dir);
  return dir;
}

/** The tsconfig `nest new` writes for a Nest 12 app (ES modules), for the documentation's blocks, without emit. */
const NEST_NEW_TSCONFIG = {
  compilerOptions: {
    module: 'nodenext',
    moduleResolution: 'nodenext',
    resolvePackageJsonExports: true,
    esModuleInterop: true,
    isolatedModules: true,
    declaration: true,
    removeComments: true,
    emitDecoratorMetadata: true,
    experimentalDecorators: true,
    allowSyntheticDefaultImports: true,
    target: 'ES2023',
    sourceMap: true,
    outDir: './dist-docs',
    incremental: false,
    skipLibCheck: true,
    strictNullChecks: true,
    forceConsistentCasingInFileNames: true,
    noImplicitAny: false,
    strictBindCallApply: false,
    noFallthroughCasesInSwitch: false,
    noEmit: true,
    types: ['node'],
  },
  include: ['docs'],
};

const blocks = docBlocks(repo);

/** The `node:test` file of docs/protect-your-service.md ("A test without Keycloak"), as written there. */
function guideTest(): string {
  const guide = readFileSync(join(repo, 'docs', 'protect-your-service.md'), 'utf8');
  const found = blocksOf(guide).filter((b) => b.code.some((line) => line.includes("from 'node:test'")));
  if (found.length !== 1)
    throw new Error(`docs/protect-your-service.md: ${found.length} node:test blocks, not 1`);
  return `${found[0].code.join('\n')}\n`;
}

/** Every documentation block as a file under docs/ of the app in `dir`, with tsconfig.docs.json to compile them. */
function writeDocs(dir: string): void {
  mkdirSync(join(dir, 'docs'));
  for (const block of blocks) writeFileSync(join(dir, 'docs', block.file), block.source);
  writeFileSync(join(dir, 'docs', 'nest-keycloak-connect.d.ts'), BEFORE_SHIM);
  writeFileSync(join(dir, 'tsconfig.docs.json'), JSON.stringify(NEST_NEW_TSCONFIG, null, 2));
}

/** `token` with one character of its signature changed. */
/** Runs a compiled test file of an app under `node --test`: its exit code and TAP report. */
function nodeTest(dir: string, file: string): Promise<{ code: number | undefined; report: string }> {
  return run(process.execPath, ['--test', '--test-reporter=tap', file], { cwd: dir }).then(
    ({ stdout }) => ({ code: 0, report: stdout }),
    (e: { code?: number; stdout?: string }) => ({ code: e.code, report: e.stdout ?? '' }),
  );
}

function tampered(token: string): string {
  const i = token.lastIndexOf('.') + 10;
  return token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
}

const work = mkdtempSync(join(tmpdir(), 'nest-keycloak-s2s-pack-'));
const apps: Record<string, { dir: string; service: RunningService }> = {};

beforeAll(async () => {
  await sh('npm', ['pack', '--pack-destination', work], join(repo, 'libs', 'keycloak-auth'), 'npm pack');
  const tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz')) ?? 'no-tarball');
  await Promise.all(
    FLAVOURS.map(async (flavour) => {
      const dir = await prepareApp(flavour, tarball);
      apps[flavour.name] = { dir, service: undefined as unknown as RunningService };
      apps[flavour.name].service = await startService(
        flavour.name,
        { KEYCLOAK_URL, ...signedJwtEnv('service-b') },
        { nodeArgs: ['dist/main.js'], cwd: dir },
      );
    }),
  );
}, 240_000);

afterAll(async () => {
  await Promise.all(Object.values(apps).map((app) => app.service?.stop()));
  for (const { dir } of Object.values(apps)) rmSync(dir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('the documentation in a fresh Nest 12 app', () => {
  it('has TypeScript blocks in the README, the package README and docs/', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(13);
  });

  it('compiles every TypeScript block of the README, the package README and docs/ against the tarball', async () => {
    const dir = apps[FLAVOURS.find((f) => f.docs)!.name].dir;
    const output = await run(process.execPath, [tsc, '-p', 'tsconfig.docs.json'], { cwd: dir }).then(
      ({ stdout }) => stdout,
      (e: { stdout?: string }) => e.stdout ?? String(e),
    );
    // Each error as `document:line:column error TSxxxx: …`, the place to fix.
    expect(mapDiagnostics(output, blocks)).toEqual([]);
  });

  it("runs the protect-your-service guide's LocalIdp test as written, under node --test", async () => {
    const dir = apps[FLAVOURS.find((f) => f.docs)!.name].dir;
    const { code, report } = await nodeTest(dir, 'dist/guide.test.js');
    expect(report).toMatch(/^# pass 2$/m);
    expect(report).toMatch(/^# fail 0$/m);
    expect(code).toBe(0);
  });
});

describe.each(FLAVOURS)('the packed library in a fresh $name app', (flavour) => {
  const url = (path: string) => `${apps[flavour.name].service.url}${path}`;
  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

  it('runs on the Nest major and module system it was created with', () => {
    const { dir } = apps[flavour.name];
    const core = JSON.parse(
      readFileSync(join(dir, 'node_modules', '@nestjs', 'core', 'package.json'), 'utf8'),
    );
    expect(`^${core.version.split('.')[0]}`).toBe(flavour.nest);
    expect(readFileSync(join(dir, 'dist', 'main.js'), 'utf8')).toMatch(
      flavour.type === 'module' ? /^import /m : /require\("\.\/app\.module\.js"\)/,
    );
  });

  it("serves GET /orders to service-a's token (aud service-b, orders.read)", async () => {
    const res = await fetch(url('/orders'), bearer(await serviceToken('service-a')));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ orders: [] });
  });

  it('refuses a request without a token with 401 token_missing and a challenge without an error code (RFC 6750 §3.1)', async () => {
    const res = await fetch(url('/orders'));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="s2s", resource_metadata="[^"]+", DPoP realm="s2s", algs="[^"]+", resource_metadata="[^"]+"$/,
    );
    expect(await res.json()).toMatchObject({ code: 'token_missing' });
  });

  it('refuses a token with a changed signature with 401 invalid_token', async () => {
    const res = await fetch(url('/orders'), bearer(tampered(await serviceToken('service-a'))));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="s2s", error="invalid_token"/);
  });

  it('refuses a route whose scope the token lacks with 403 insufficient_scope', async () => {
    const res = await fetch(url('/orders/write'), bearer(await serviceToken('service-a')));
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="s2s", error="insufficient_scope"/);
  });

  it("exchanges the caller's token for one meant for service-c, obtained by service-b", async () => {
    const res = await fetch(url('/analytics'), bearer(await serviceToken('service-a')));
    expect(res.status).toBe(200);
    const claims = (await res.json()) as Record<string, unknown>;
    expect([claims.aud].flat()).toContain('service-c');
    expect(claims.azp).toBe('service-b');
  });

  it("passes the app's own unit test on nest-keycloak-s2s/testing's LocalIdp under node --test", async () => {
    const { code, report } = await nodeTest(apps[flavour.name].dir, 'dist/orders.test.js');
    expect(report).toMatch(/^# pass 2$/m);
    expect(report).toMatch(/^# fail 0$/m);
    expect(code).toBe(0);
  });
});

// Why Vitest: NestJS 12 ships ESM-only packages (import.meta) that Jest's CommonJS runtime cannot load; Vitest runs
// them natively (Nest 12's default runner for ESM apps), with SWC supplying the decorator metadata Nest injects by.
//
// Three projects: unit tests beside the code, e2e tests against a real Keycloak (started by the global setup when
// none runs), and the Postgres job. `globals: true` (with "vitest/globals" in tsconfig's types) keeps the specs as
// they are — describe/it/expect are globals, as they were under Jest — so only the two places that used `jest.*`
// changed, and `vi` is a global too.
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const root = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** tsconfig.json's `paths`, exact names as there: one list for tsc, Vitest, swc-node and scripts/build.mjs. */
function tsconfigAliases() {
  const tsconfig = JSON.parse(readFileSync(root('./tsconfig.json'), 'utf8'));
  const paths: Record<string, [string]> = tsconfig.compilerOptions.paths;
  return Object.entries(paths).map(([name, [target]]) => {
    const file = statSync(root(`./${target}`)).isDirectory() ? `${target}/index.ts` : target;
    return {
      find: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`),
      replacement: root(`./${file}`),
    };
  });
}

// e2e tests talk to a real Keycloak and wait out a real token expiry: give tests and hooks time.
const slow = { testTimeout: 60_000, hookTimeout: 60_000 };

export default defineConfig({
  // Every project extends this: the TypeScript transform and tsconfig.json's path aliases (exact names, as there).
  plugins: [
    // As tsconfig.json compiles (legacy decorators with metadata, ES2022); the plugin picks the parser per file.
    swc.vite({
      tsconfigFile: false,
      jsc: {
        parser: { decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        keepClassNames: true,
        target: 'es2022',
      },
    }),
  ],
  resolve: { alias: tsconfigAliases() },
  test: {
    globals: true,
    environment: 'node',
    // The machine's 2 cores are shared: at most two test files at a time.
    maxWorkers: 2,
    // Hooks in the order they are written, after* ones too, as Jest runs them (Vitest's default reverses after*).
    sequence: { hooks: 'list' },
    // Coverage of the library, from the unit project (`npm test` runs it with --coverage). service-runtime is left
    // out: most of it runs only inside the e2e tests' service processes, which the runner cannot instrument.
    coverage: {
      provider: 'v8',
      reportsDirectory: 'coverage',
      reporter: ['text'],
      reportOnFailure: true, // the table and the threshold check after failed tests too, as Jest printed them
      include: ['libs/keycloak-auth/src/**/*.ts'],
      exclude: [
        '**/index.ts',
        'libs/keycloak-auth/src/{observer,metadata,errors,options,oauth,verification,health,client-keys,dpop,redis}.ts',
        '**/*.spec.ts',
      ], // entries: re-exports only
      thresholds: { lines: 90 }, // of the library as a whole (all that `include` takes in)
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'libs/**/*.spec.ts',
            'apps/**/*.spec.ts',
            'test/project/*.spec.ts',
            'tools/**/*.spec.ts',
            'test/e2e/support/*.spec.ts',
            'bench/**/*.spec.ts',
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e-spec.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          ...slow,
        },
      },
      {
        // docker-compose.yml's variables on a Postgres-backed Keycloak of its own (no global setup: it starts what
        // it needs, after the e2e run, so it never competes with the e2e Keycloak for the 2 cores).
        extends: true,
        test: {
          name: 'postgres',
          include: ['test/postgres/**/*.e2e-spec.ts'],
          ...slow,
        },
      },
      {
        // `docker compose up` for real: the unchanged docker-compose.yml and Dockerfile on the project's own Docker
        // engine, with stand-ins for the registry images (test/compose); alone, as it starts everything it needs.
        extends: true,
        test: {
          name: 'compose',
          include: ['test/compose/**/*.e2e-spec.ts'],
          testTimeout: 300_000,
          hookTimeout: 900_000,
        },
      },
      {
        // The cluster of `npm run stack:cluster` (two Keycloak nodes on PostgreSQL, two replicas of each service,
        // HAProxy, Redis) under load while its parts go away; last, alone, as it starts everything it needs.
        extends: true,
        test: {
          name: 'cluster',
          include: ['test/cluster/**/*.e2e-spec.ts'],
          testTimeout: 300_000,
          hookTimeout: 420_000,
        },
      },
    ],
  },
});

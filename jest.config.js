// Two projects: unit tests beside the code, e2e tests against a real Keycloak (started by globalSetup when none runs).
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];
const shared = {
  transform: { '^.+\\.(t|j)s$': swc },
  moduleNameMapper: {
    '^@app/keycloak-auth$': '<rootDir>/libs/keycloak-auth/src',
    '^@app/service-runtime$': '<rootDir>/libs/service-runtime/src',
  },
  testEnvironment: 'node',
  // The Keycloak admin client, openid-client and their dependencies ship only as ES modules (the 26.7 admin
  // client also loads Microsoft's Kiota packages for its generated API clients), and @fastify/cookie loads its ESM-only
  // cookie parser with import(): compile them like our own code (jest's CommonJS runtime).
  transformIgnorePatterns: [
    '/node_modules/(?!(@keycloak/keycloak-admin-client|@microsoft/kiota-[a-z-]+|camelize-ts|url-template|openid-client|oauth4webapi|jose|@fastify/cookie|cookie)/)',
  ],
};

/** @type {import('jest').Config} */
module.exports = {
  maxWorkers: 2,
  // Coverage of the library, from the unit project (`npm test` runs it with --coverage). service-runtime is left
  // out: most of it runs only inside the e2e tests' service processes, which Jest cannot instrument.
  coverageDirectory: 'coverage',
  coverageReporters: ['text'],
  collectCoverageFrom: ['libs/keycloak-auth/src/**/*.ts', '!**/index.ts'],
  coverageThreshold: { './libs/keycloak-auth/src/': { lines: 90 } },
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/libs/**/*.spec.ts',
        '<rootDir>/apps/**/*.spec.ts',
        '<rootDir>/test/project/*.spec.ts',
        '<rootDir>/tools/**/*.spec.ts',
        '<rootDir>/test/e2e/support/*.spec.ts',
        '<rootDir>/bench/**/*.spec.ts',
      ],
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/e2e/global-setup.cjs',
      globalTeardown: '<rootDir>/test/e2e/global-teardown.cjs',
      setupFilesAfterEnv: ['<rootDir>/test/e2e/support/timeout.ts'],
    },
    {
      // docker-compose.yml's variables on a Postgres-backed Keycloak of its own (no globalSetup: it starts what it
      // needs, after the e2e run, so it never competes with the e2e Keycloak for the 2 cores).
      ...shared,
      displayName: 'postgres',
      testMatch: ['<rootDir>/test/postgres/**/*.e2e-spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/e2e/support/timeout.ts'],
    },
  ],
};

// Lint rules: typescript-eslint's recommended set on Node globals; Prettier owns formatting.
import { readFileSync } from 'node:fs';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** The package's public subpaths, read from its "exports" map (`./package.json` aside). */
const PUBLIC_SUBPATHS = Object.keys(
  JSON.parse(readFileSync(new URL('./libs/keycloak-auth/package.json', import.meta.url), 'utf8')).exports,
)
  .filter((key) => key !== '.' && key !== './package.json')
  .map((key) => key.slice(2));

export default tseslint.config(
  { ignores: ['node_modules/', '**/dist/', 'coverage/', 'artifacts/', '.keycloak/', '.docker/', '.node/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // One door: outside the library, only the package's public entries (libs/keycloak-auth/package.json "exports").
    files: ['**/*.{ts,mts,cts,js,mjs,cjs}'],
    ignores: ['libs/keycloak-auth/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/keycloak-auth/**', '**/keycloak-auth', 'libs/keycloak-auth*'],
              message:
                "Import the library by its package name ('nest-keycloak-s2s' or a public subpath), never its files.",
            },
            {
              group: [
                'nest-keycloak-s2s/*',
                ...PUBLIC_SUBPATHS.map((subpath) => `!nest-keycloak-s2s/${subpath}`),
              ],
              message:
                'Not a public entry of nest-keycloak-s2s: see "exports" in libs/keycloak-auth/package.json.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);

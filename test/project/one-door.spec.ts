import { join } from 'node:path';
import { ESLint } from 'eslint';

// The one-door rule of eslint.config.mjs: outside libs/keycloak-auth, the library is reached by its package name
// and public subpaths only.

const eslint = new ESLint({ cwd: join(__dirname, '..', '..') });

/** The rule's messages for `source` as if it were the file at `path` (relative to the repository). */
async function restricted(source: string, path: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('one door into the library (eslint no-restricted-imports)', () => {
  it.each([
    ["import { KeycloakAuthModule } from 'nest-keycloak-s2s';", 'apps/service-b/src/x.ts'],
    ["import { KeycloakReadiness } from 'nest-keycloak-s2s/health';", 'libs/service-runtime/src/x.ts'],
    ["import { LocalIdp } from 'nest-keycloak-s2s/testing';", 'test/e2e/x.e2e-spec.ts'],
    ["import { KEEP_VERIFIED_TOKENS } from 'nest-keycloak-s2s/verification';", 'bench/x.ts'],
  ])('lets through %s', async (source, path) => {
    expect(await restricted(`${source}\nexport {};\n`, path)).toEqual([]);
  });

  it.each([
    ["import { x } from 'nest-keycloak-s2s/internal';", 'apps/service-a/src/x.ts'],
    ["import { x } from 'nest-keycloak-s2s/dist/nest/keycloak-auth.guard';", 'tools/x.ts'],
    ["import { x } from '../../libs/keycloak-auth/src/core/errors';", 'test/e2e/x.e2e-spec.ts'],
    ["import { x } from '../../keycloak-auth/src/nest/bearer-token';", 'libs/service-runtime/src/x.ts'],
    [
      "import { x } from '../../../../test/../libs/keycloak-auth/test/loopback-app';",
      'apps/service-a/src/bff/x.ts',
    ],
  ])('refuses %s', async (source, path) => {
    expect(await restricted(`${source}\nexport { x };\n`, path)).toHaveLength(1);
  });

  it("leaves the library's own files to their relative imports", async () => {
    const source = "import { x } from '../core/errors';\nexport { x };\n";
    expect(await restricted(source, 'libs/keycloak-auth/src/nest/x.ts')).toEqual([]);
  });
});

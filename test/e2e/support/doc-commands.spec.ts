import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bashCommands, realmCliCommands } from './doc-commands';

const fence = '```';

describe('bashCommands', () => {
  it('joins continued lines, drops comments and blank lines, and reads only bash blocks', () => {
    const text = [
      `${fence}bash`,
      '# a comment',
      'npm run realm -- add-client a --realm r \\',
      '  --jwks-url http://k/jwks   # trailing comment',
      '',
      'npm test',
      fence,
      `${fence}ts`,
      'npm run realm -- not-a-command',
      fence,
    ].join('\n');
    expect(bashCommands(text)).toEqual([
      ['npm', 'run', 'realm', '--', 'add-client', 'a', '--realm', 'r', '--jwks-url', 'http://k/jwks'],
      ['npm', 'test'],
    ]);
    expect(realmCliCommands(text)).toEqual([
      ['add-client', 'a', '--realm', 'r', '--jwks-url', 'http://k/jwks'],
    ]);
  });

  it('refuses what it cannot run faithfully: quotes, variables, a dangling continuation, an open block', () => {
    expect(() => bashCommands(`${fence}bash\nnpm run realm -- x --realm "$REALM"\n${fence}`)).toThrow(
      /quotes/,
    );
    expect(() => bashCommands(`${fence}bash\nnpm run realm -- x \\\n${fence}`)).toThrow(/continued/);
    expect(() => bashCommands(`${fence}bash\nnpm test\n`)).toThrow(/unclosed/);
  });

  it("reads the protect-your-service guide's three add-client commands", () => {
    const guide = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'protect-your-service.md'), 'utf8');
    expect(realmCliCommands(guide).map((c) => c.slice(0, 2))).toEqual([
      ['add-client', 'ledger-api'],
      ['add-client', 'invoices-api'],
      ['add-client', 'billing-worker'],
    ]);
  });
});

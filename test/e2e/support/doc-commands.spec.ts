import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bashCommands, realmCliCommands, shellWords } from './doc-commands';

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

  it('refuses what it cannot run faithfully: double quotes, variables, a dangling continuation, an open block', () => {
    expect(() => bashCommands(`${fence}bash\nnpm run realm -- x --realm "$REALM"\n${fence}`)).toThrow(
      /double quotes/,
    );
    expect(() => bashCommands(`${fence}bash\nnpm run realm -- x --realm $REALM\n${fence}`)).toThrow(
      /variables/,
    );
    expect(() => bashCommands(`${fence}bash\nnpm run realm -- x \\\n${fence}`)).toThrow(/continued/);
    expect(() => bashCommands(`${fence}bash\nnpm test\n`)).toThrow(/unclosed/);
    expect(() => shellWords("curl -d '{")).toThrow(/unclosed quote/);
  });

  it('takes single-quoted words literally, spaces and braces included', () => {
    expect(
      shellWords(`curl -s localhost:3000/api -H 'content-type: application/json' -d '{"a": 1}' # sent`),
    ).toEqual(['curl', '-s', 'localhost:3000/api', '-H', 'content-type: application/json', '-d', '{"a": 1}']);
  });

  it("reads README's getting-started curl commands", () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    expect(bashCommands(readme).filter((c) => c[0] === 'curl')).toHaveLength(2);
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

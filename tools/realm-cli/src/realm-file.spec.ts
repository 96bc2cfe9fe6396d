import { CliError } from './cli-error';
import { loadRealmFile, parseRealmFile } from './realm-file';

describe('parseRealmFile', () => {
  it('renames the realm when asked, keeping the content', () => {
    const file = parseRealmFile('{"realm":"s2s","clients":[{"clientId":"a"}]}', 'f.json', 'tmp');
    expect(file).toEqual({ realm: 'tmp', clients: [{ clientId: 'a' }] });
  });

  it.each([
    ['{"realm":"r","secret":"s3cr3t"x}', /^realm file f.json is not valid JSON \(at position 30\)$/],
    ['{"realm":""}', /^realm file f.json has no "realm" name$/],
    [
      '{"realm":"r","clients":[{"secret":"s3cr3t"}]}',
      /^realm file f.json: "clients" must be a list of objects with a "clientId"$/,
    ],
    ['{"realm":"r","roles":[]}', /^realm file f.json: "roles" must be an object$/],
  ])('refuses %s without echoing its values', (text, message) => {
    expect(() => parseRealmFile(text, 'f.json')).toThrow(CliError);
    expect(() => parseRealmFile(text, 'f.json')).toThrow(message);
  });

  it('names a file it cannot read', () => {
    expect(() => loadRealmFile('/nonexistent/realm.json')).toThrow(
      new CliError('cannot read the realm file /nonexistent/realm.json (ENOENT)'),
    );
  });
});

import { parseArgs } from './args';
import { CliError } from './cli-error';

describe('parseArgs', () => {
  it('reads apply and diff with their options, in either flag form', () => {
    expect(parseArgs(['diff'])).toEqual({ name: 'diff', resetPasswords: false, resetSecrets: false });
    expect(
      parseArgs([
        'apply',
        '--realm',
        'tmp',
        '--file=other.json',
        '--overlay',
        'k8s.json',
        '--reset-passwords',
        '--reset-secrets',
      ]),
    ).toEqual({
      name: 'apply',
      realm: 'tmp',
      file: 'other.json',
      overlay: 'k8s.json',
      resetPasswords: true,
      resetSecrets: true,
    });
  });

  it('reads rotate-secret with its client', () => {
    expect(parseArgs(['rotate-secret', 'service-a', '--realm=tmp'])).toEqual({
      name: 'rotate-secret',
      clientId: 'service-a',
      realm: 'tmp',
    });
  });

  it('answers help without a command, with help or -h', () => {
    for (const argv of [[], ['help'], ['apply', '-h']]) expect(parseArgs(argv)).toEqual({ name: 'help' });
  });

  it.each([
    [['frobnicate'], 'unknown command frobnicate (apply, diff, rotate-secret, add-client, help)'],
    [['diff', '--force'], 'unknown option --force (see npm run realm -- help)'],
    [['diff', '--realm'], '--realm needs a value'],
    [['apply', 'extra'], 'unexpected argument extra'],
    [['rotate-secret'], 'rotate-secret needs a client id: npm run realm -- rotate-secret <client>'],
    [
      ['rotate-secret', 'a', '--reset-secrets'],
      '--reset-passwords, --reset-secrets and --overlay belong to apply and diff',
    ],
    [
      ['rotate-secret', 'a', '--overlay=k.json'],
      '--reset-passwords, --reset-secrets and --overlay belong to apply and diff',
    ],
  ])('refuses %j: %s', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(new CliError(message));
  });
});

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bashCommands } from './support/doc-commands';
import { stacks } from './support/keycloak';

// README's getting-started curl commands, read from README.md and run with the real curl against the chains the
// e2e setup starts as `npm run stack` does (on free ports instead of 3000-3002: localhost:3000 becomes the chain's
// service-a). `npm ci`, `npm run stack`, `npm test` and `docker compose up` are the setup and the suites
// themselves, not run from here.

const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('curl', args, { timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe.each(['jwt', 'introspection'] as const)(
  "README's getting-started curl commands (%s chain)",
  (mode) => {
    const serviceA = stacks()[mode]['service-a'].replace(/^http:\/\//, '');
    const commands = bashCommands(README).filter((words) => words[0] === 'curl');

    it('README shows the two of them', () => {
      expect(commands.map((c) => c.find((w) => w.startsWith('localhost:3000')))).toEqual([
        'localhost:3000/run-service-b',
        'localhost:3000/api/chain',
      ]);
    });

    it.each([0, 1])('command %i runs the chain A → B → C and answers with both results', async (i) => {
      const args = commands[i].slice(1).map((w) => w.replace(/^localhost:3000\b/, serviceA));
      const run = await curl(['--fail-with-body', ...args]);
      expect(run, `curl ${args.join(' ')}`).toMatchObject({ code: 0 });
      const body = JSON.parse(run.stdout) as {
        service_b: string;
        service_c: { result: number; msg: string };
      };
      expect(body.service_b).toBe('Order 9876 processed by Service B');
      expect(body.service_c).toEqual({ result: 20, msg: 'Service C successfully processed request' });
    });
  },
);

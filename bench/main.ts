// `npm run bench`: what the security costs. The chain under four scenarios in one run, the guard alone, the
// memory bound of the introspection cache, one guarded hop side by side with the peer libraries, and the
// delegated chain with many distinct users. Results in bench/results/ (JSON and markdown); see docs/benchmark.md.
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { runChain } from './chain/run-chain';
import { runGuardBenchmark } from './guard/guard-bench';
import { runMemoryCheck } from './memory/memory-check';
import { BenchOptions, parseBenchArgs, UsageError, USAGE } from './options';
import {
  ChainReport,
  chainMarkdown,
  chainSummary,
  checkTargets,
  invalidScenarios,
} from './report/chain-report';
import { guardMarkdown } from './report/guard-report';
import { memoryMarkdown } from './report/memory-report';
import { runPeers } from './peers/run-peers';
import { appFailures, checkPeersTargets, peersMarkdown, peersSummary } from './report/peers-report';
import { RESULTS_DIR, updateBenchmarkPage, writeResults } from './report/results';
import { capacityInputs, capacityMarkdown, capacityModel, usersMeasurements } from './report/capacity-report';
import { existsSync, readFileSync } from 'node:fs';
import { usersMarkdown } from './report/users-markdown';
import { checkUsersTargets } from './report/users-report';
import { runUsers } from './users/run-users';

const log = (line: string) => console.log(line);

/** Set in the environment of a part's process when a run of several parts started it. */
const PART_OF_RUN = 'BENCH_PART_OF_RUN';

/** Runs the chain part; false when a scenario's answers make its numbers invalid. */
async function chain(options: BenchOptions): Promise<boolean> {
  const report = await runChain(
    {
      durationSec: options.durationSec,
      warmupSec: options.warmupSec,
      warmupRequests: options.warmupRequests,
      connections: options.connections,
      rounds: options.rounds,
      logLevel: options.logLevel,
      scenarios: options.scenarios,
      cpuRatePerSec: options.chainCpuRatePerSec,
      dpopSec: options.dpopSec,
      note: options.note,
      profileDir: options.profile ? join(__dirname, '..', 'artifacts', 'bench-profiles') : undefined,
    },
    log,
  );
  const markdown = chainMarkdown(report);
  const data = { ...report, summary: chainSummary(report), targets: checkTargets(report) };
  await publish('chain', data, 'Chain benchmark', markdown, options);
  const invalid = invalidScenarios(report);
  if (invalid.length > 0)
    console.error(`invalid: ${invalid.map((s) => s.title).join(', ')} had failed requests`);
  return invalid.length === 0;
}

/** Writes a part's results (JSON and markdown), its docs section with `--readme`, and prints its tables. */
async function publish(part: string, data: unknown, title: string, markdown: string, options: BenchOptions) {
  const files = await writeResults(part, data, title, markdown);
  if (options.readme) await updateBenchmarkPage(part, markdown);
  log(`\n${markdown}\n\nwritten: ${files.join(', ')}`);
}

async function guard(options: BenchOptions): Promise<boolean> {
  const report = await runGuardBenchmark({ secondsPerCase: options.guardSec, note: options.note }, log);
  const markdown = guardMarkdown(report);
  await publish('guard', report, 'Guard micro-benchmark', markdown, options);
  return true;
}

async function memory(options: BenchOptions): Promise<boolean> {
  const report = await runMemoryCheck(
    { tokens: options.memoryTokens, cacheMaxEntries: options.cacheMaxEntries, note: options.note },
    log,
  );
  const markdown = memoryMarkdown(report);
  await publish('memory', report, 'Memory check', markdown, options);
  if (!report.passed) console.error(`MEMORY CHECK FAILED: ${report.failures.join('; ')}`);
  return report.passed;
}

/** Runs the peers part; false when one of this library's apps had failed requests (its numbers are invalid). */
async function peers(options: BenchOptions): Promise<boolean> {
  const report = await runPeers(
    {
      apps: options.peers.apps,
      durationSec: options.peers.durationSec,
      warmupSec: options.peers.warmupSec,
      warmupRequests: options.warmupRequests,
      connections: options.connections,
      rounds: options.peers.rounds,
      cpuRatePerSec: options.peers.cpuRatePerSec,
      note: options.note,
    },
    log,
  );
  const markdown = peersMarkdown(report);
  const data = { ...report, summary: peersSummary(report), targets: checkPeersTargets(report) };
  await publish('peers', data, 'Peers benchmark', markdown, options);
  const invalid = report.apps.filter((app) => app.ours && appFailures(app) > 0);
  if (invalid.length > 0)
    console.error(`invalid: ${invalid.map((a) => a.id).join(', ')} had failed requests`);
  return invalid.length === 0;
}

/** Runs the many-users part; false when a run had failed requests or a target was missed. */
async function users(options: BenchOptions): Promise<boolean> {
  const report = await runUsers(
    {
      users: options.users,
      thrashBound: options.usersThrashBound,
      modes: options.usersModes,
      durationSec: options.durationSec,
      warmupSec: options.warmupSec,
      connections: options.connections,
      logLevel: options.logLevel,
      note: options.note,
    },
    log,
  );
  const markdown = usersMarkdown(report);
  const targets = checkUsersTargets(report);
  await publish('users', { ...report, targets }, 'Many users', markdown, options);
  const failed = report.runs.filter((run) => run.non2xx + run.errors > 0);
  if (failed.length > 0)
    console.error(`invalid: ${failed.map((run) => run.title).join(', ')} had failed requests`);
  return failed.length === 0 && targets.every((target) => target.met);
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const parts = { chain, guard, memory, peers, users };
  if (options.parts.length === 1) {
    log(`\n== ${options.parts[0]} ==`);
    const ok = await parts[options.parts[0]](options);
    // A part run for a run of several parts leaves the model to that run, which has all their results.
    const feedsCapacity = options.parts[0] === 'chain' || options.parts[0] === 'users';
    if (feedsCapacity && process.env[PART_OF_RUN] === undefined) await capacity(options);
    return ok ? 0 : 1;
  }
  // Several parts: each in a process of its own, so that no part measures what another left behind (the memory
  // check's heap once grew 30 MiB more after the chain part's load than when run alone).
  let ok = true;
  for (const part of options.parts) ok = (await runPartAlone(part)) && ok;
  await capacity(options);
  return ok ? 0 : 1;
}

/** The capacity model from the chain part's results (and the many-users part's, when there are some). */
async function capacity(options: BenchOptions): Promise<void> {
  const chainFile = join(RESULTS_DIR, 'chain.json');
  if (!existsSync(chainFile)) return;
  const inputs = capacityInputs(JSON.parse(readFileSync(chainFile, 'utf8')) as ChainReport);
  const users = usersMeasurements(join(RESULTS_DIR, 'users.json'));
  const markdown = capacityMarkdown(inputs, users);
  const data = { inputs, users, rows: capacityModel(inputs, users) };
  await publish('capacity', data, 'Capacity model', markdown, options);
}

/** This program again with the same options and `--only part`; true when it exits 0. */
function runPartAlone(part: string): Promise<boolean> {
  const args = process.argv.slice(2).filter((arg) => !arg.startsWith('--only='));
  const only = args.indexOf('--only');
  if (only >= 0) args.splice(only, 2);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...args, '--only', part], {
      stdio: 'inherit',
      env: { ...process.env, [PART_OF_RUN]: '1' },
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code === 0));
  });
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`bench failed: ${error.message}`);
    process.exit(1);
  },
);

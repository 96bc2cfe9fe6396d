import { parseBenchArgs, UsageError } from './options';
import { PEER_APP_IDS } from './peers/peer-apps';

describe('npm run bench options', () => {
  it('defaults: every part, 10 s per scenario after 3 s of warm-up, 20 connections, one round', () => {
    expect(parseBenchArgs([])).toEqual({
      parts: ['chain', 'guard', 'memory', 'peers', 'users'],
      durationSec: 10,
      warmupSec: 3,
      warmupRequests: 2000,
      connections: 20,
      rounds: 3,
      scenarios: ['no-auth', 'uncached', 'introspection', 'jwt', 'jwt-es256', 'jwt-ps256'],
      chainCpuRatePerSec: 500,
      dpopSec: 2,
      logLevel: 'warn',
      profile: false,
      guardSec: 2,
      memoryTokens: 100_000,
      cacheMaxEntries: 10_000,
      peers: { apps: [...PEER_APP_IDS], durationSec: 4, warmupSec: 1, rounds: 2, cpuRatePerSec: 4000 },
      users: [1000, 10_000],
      usersThrashBound: 1000,
      usersModes: ['jwt'],
      note: undefined,
      readme: false,
      help: false,
    });
  });

  it('runs one part, or some scenarios, in the canonical order', () => {
    expect(parseBenchArgs(['--only', 'chain']).parts).toEqual(['chain']);
    expect(parseBenchArgs(['--only=memory,guard']).parts).toEqual(['guard', 'memory']);
    expect(parseBenchArgs(['--scenarios', 'jwt,no-auth']).scenarios).toEqual(['no-auth', 'jwt']);
  });

  it("takes the chain's fixed rate and the DPoP floor's seconds, 0 for none, and refuses a bad one", () => {
    expect(parseBenchArgs(['--chain-cpu-rate', '300', '--dpop-seconds', '0.5'])).toMatchObject({
      chainCpuRatePerSec: 300,
      dpopSec: 0.5,
    });
    expect(parseBenchArgs(['--chain-cpu-rate', '0', '--dpop-seconds', '0'])).toMatchObject({
      chainCpuRatePerSec: 0,
      dpopSec: 0,
    });
    expect(() => parseBenchArgs(['--chain-cpu-rate', '2.5'])).toThrow(
      '--chain-cpu-rate takes a whole number >= 0, got "2.5"',
    );
    expect(() => parseBenchArgs(['--dpop-seconds=-1'])).toThrow(
      '--dpop-seconds takes a number >= 0, got "-1"',
    );
  });

  it('takes durations, connections (or concurrency), rounds, a note and the flags', () => {
    const options = parseBenchArgs([
      '--duration',
      '30',
      '--warmup',
      '0',
      '--concurrency',
      '50',
      '--rounds',
      '3',
      '--note',
      'quiet machine',
      '--profile',
      '--readme',
      '--log-level',
      'info',
    ]);
    expect(options).toMatchObject({
      durationSec: 30,
      warmupSec: 0,
      connections: 50,
      rounds: 3,
      note: 'quiet machine',
      profile: true,
      readme: true,
      logLevel: 'info',
    });
    expect(parseBenchArgs(['--connections', '8', '--concurrency', '8']).connections).toBe(8);
  });

  it('peers: its own shorter defaults, the shared flags when given, and some apps by id in the canonical order', () => {
    expect(parseBenchArgs(['--duration', '2', '--warmup', '1', '--rounds', '1']).peers).toEqual({
      apps: [...PEER_APP_IDS],
      durationSec: 2,
      warmupSec: 1,
      rounds: 1,
      cpuRatePerSec: 4000,
    });
    expect(parseBenchArgs(['--cpu-rate', '0']).peers.cpuRatePerSec).toBe(0);
    expect(parseBenchArgs(['--peers', 'ours-fastify-jwt,bare-12-fastify']).peers.apps).toEqual([
      'bare-12-fastify',
      'ours-fastify-jwt',
    ]);
  });

  it('users: counts ascending without repeats, the thrash bound a tenth of the biggest unless given', () => {
    expect(parseBenchArgs(['--users', '1000,200,1000'])).toMatchObject({
      users: [200, 1000],
      usersThrashBound: 100,
    });
    expect(parseBenchArgs(['--users', '50', '--users-thrash-bound', '7'])).toMatchObject({
      users: [50],
      usersThrashBound: 7,
    });
    expect(parseBenchArgs(['--only', 'users']).parts).toEqual(['users']);
    expect(parseBenchArgs(['--users-modes', 'introspection,jwt']).usersModes).toEqual([
      'jwt',
      'introspection',
    ]);
  });

  it.each([
    [['--only', 'chains'], '--only takes chain, guard, memory, peers, users (comma separated), got "chains"'],
    [['--only', ''], '--only takes chain, guard, memory, peers, users'],
    [['--users', '1000,x'], '--users takes whole numbers >= 2, comma separated, got "1000,x"'],
    [['--users', '1'], '--users takes whole numbers >= 2'],
    [['--users', '1000,'], '--users takes whole numbers >= 2'],
    [
      ['--users', '100', '--users-thrash-bound', '100'],
      '--users-thrash-bound (100) must be below the biggest',
    ],
    [
      ['--users-modes', 'jwt,opaque'],
      '--users-modes takes jwt, introspection (comma separated), got "jwt,opaque"',
    ],
    [['--users-thrash-bound', '0'], '--users-thrash-bound takes a whole number > 0, got "0"'],
    [['--peers', 'ours-fastify-jwt,nkc-koa-online'], '--peers takes bare-10-express, '],
    [['--cpu-rate', 'fast'], '--cpu-rate takes a whole number >= 0, got "fast"'],
    [['--scenarios', 'jwt,oauth'], '--scenarios takes no-auth, uncached, introspection, jwt'],
    [['--duration', '0'], '--duration takes a number > 0, got "0"'],
    [['--duration', 'ten'], '--duration takes a number > 0, got "ten"'],
    [['--warmup=-1'], '--warmup takes a number >= 0, got "-1"'],
    [['--connections', '2.5'], '--connections takes a whole number > 0, got "2.5"'],
    [['--rounds', ''], '--rounds takes a whole number > 0, got ""'],
    [['--connections', '8', '--concurrency', '9'], '--connections and --concurrency are the same option'],
    [['--log-level', 'loud'], '--log-level takes debug, info, warn, error, silent, got "loud"'],
    [['--durations', '5'], "Unknown option '--durations'"],
    [['chain'], 'Unexpected argument'],
  ])('refuses %j with a message naming it', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(UsageError);
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });
});

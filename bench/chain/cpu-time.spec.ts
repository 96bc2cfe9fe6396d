import { cpuMs, cpuTicksFromStat, keycloakPids, totalCpuMs } from './cpu-time';

// A /proc/<pid>/stat line: utime (field 14) is 1234 and stime (field 15) 56.
const STAT =
  '4242 (node) S 1 4242 4242 0 -1 4194560 31000 0 12 0 1234 56 0 0 20 0 11 0 180000 1230000000 50000 ' +
  '18446744073709551615 1 1 0 0 0 0 0 4096 134234626 0 0 0 17 1 0 0 0 0 0';

describe('CPU time from /proc', () => {
  it('adds user and system ticks', () => {
    expect(cpuTicksFromStat(STAT)).toBe(1290);
  });

  it('finds the fields after a command name with spaces and parentheses', () => {
    expect(cpuTicksFromStat(STAT.replace('(node)', '(my (odd) name)'))).toBe(1290);
  });

  it('has no value for a line it cannot read', () => {
    expect(cpuTicksFromStat('4242 (node) S 1 2')).toBeUndefined();
    expect(cpuTicksFromStat('')).toBeUndefined();
  });

  it('reads this process, which keeps using CPU', () => {
    if (process.platform !== 'linux') return;
    const before = cpuMs(process.pid) as number;
    expect(before).toBeGreaterThan(0);
    const end = Date.now() + 60;
    while (Date.now() < end); // spin past a clock tick
    expect(cpuMs(process.pid)).toBeGreaterThan(before);
    expect(totalCpuMs([process.pid, process.pid])).toBeGreaterThanOrEqual(2 * before);
  });

  it('has no value for a process that does not exist, or for none', () => {
    expect(cpuMs(2 ** 22 + 1)).toBeUndefined();
    expect(totalCpuMs([process.pid, 2 ** 22 + 1])).toBeUndefined();
    expect(totalCpuMs([])).toBeUndefined();
  });

  it('finds no Keycloak on a port no JVM serves', () => {
    expect(keycloakPids(1)).toEqual([]);
  });
});

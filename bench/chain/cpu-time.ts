import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

// CPU time per process, read from Linux's /proc: what a request costs in CPU stays comparable on a busy machine,
// where requests per second swing with whatever else runs. Elsewhere the readings are undefined.

/** User plus system CPU time, in clock ticks, from the text of /proc/<pid>/stat (all threads of the process). */
export function cpuTicksFromStat(stat: string): number | undefined {
  // The command name (field 2) is in parentheses and may itself contain spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [utime, stime] = [Number(fields[11]), Number(fields[12])];
  return Number.isInteger(utime) && Number.isInteger(stime) ? utime + stime : undefined;
}

let ticksPerSecond: number | undefined;

function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100; // Linux's USER_HZ nearly everywhere
    }
  }
  return ticksPerSecond;
}

/** CPU milliseconds the process has used so far; undefined when it cannot be read (no /proc, process gone). */
export function cpuMs(pid: number): number | undefined {
  try {
    const ticks = cpuTicksFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return ticks === undefined ? undefined : (ticks * 1000) / clockTicksPerSecond();
  } catch {
    return undefined;
  }
}

/** The sum over `pids`; undefined when any of them cannot be read. */
export function totalCpuMs(pids: readonly number[]): number | undefined {
  let total = 0;
  for (const pid of pids) {
    const ms = cpuMs(pid);
    if (ms === undefined) return undefined;
    total += ms;
  }
  return pids.length > 0 ? total : undefined;
}

/**
 * The Keycloak server's processes on `port`: the JVMs whose command line has `--http-port=<port>` (how
 * scripts/keycloak.mjs starts it, a reused one included). Empty when none is found.
 */
export function keycloakPids(port: number): number[] {
  const flag = `--http-port=${port}`;
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return pids;
  }
  for (const name of entries) {
    try {
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (args.includes(flag) && args.some((arg) => arg.endsWith('java'))) pids.push(Number(name));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { join } from 'node:path';

/** What a result depends on besides the code: the machine, the runtime and the Keycloak version. */
export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  /** The pinned Keycloak version (keycloak.version), which `scripts/keycloak.mjs` runs. */
  keycloak: string;
  /** The 1-minute load average when the run began: above the core count, other work competed for the CPU. */
  loadAverageAtStart: number;
}

/** Reads this machine's description. */
export function thisMachine(): Machine {
  const list = cpus();
  return {
    cores: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    node: process.version,
    keycloak: readFileSync(join(__dirname, '..', '..', 'keycloak.version'), 'utf8').trim(),
    loadAverageAtStart: Number(loadavg()[0].toFixed(2)),
  };
}

/** One line for a report: "2 cores (Intel Xeon), 8 GiB, Linux 6.1, Node v20.20.2, Keycloak 26.5.6, load 1.20". */
export function describeMachine(machine: Machine): string {
  return (
    `${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, ${machine.os}, ` +
    `Node ${machine.node}, Keycloak ${machine.keycloak}; 1-min load average at start ${machine.loadAverageAtStart}`
  );
}

/** What every part's report starts with: when it ran, a remark, and on what. */
export interface RunHeader {
  startedAt: string;
  note?: string;
  machine: Machine;
}

/** "Run <when> — <note>. Machine: …." */
export function runLine(report: RunHeader): string {
  return `Run ${report.startedAt}${report.note ? ` — ${report.note}` : ''}. Machine: ${describeMachine(report.machine)}.`;
}

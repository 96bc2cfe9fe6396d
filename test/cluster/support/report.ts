import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioResult } from './scenario';

/** Where the cluster job writes its report (git-ignored). */
export const REPORT_DIR = join(__dirname, '..', '..', '..', 'artifacts');

/** One second of a run: how many requests were sent in it and how they ended. */
export interface Second {
  second: number;
  requests: number;
  failures: number;
  outcomes: Record<string, number>;
}

/** A run as the report keeps it: its name, the steps and the load per second from the run's start. */
export interface RunReport {
  name: string;
  summary: string;
  events: { what: string; atSecond: number; tookSeconds: number }[];
  seconds: Second[];
}

/** The per-second view of one scenario; a failure is an answer other than 200. */
export function describeRun(name: string, result: ScenarioResult): RunReport {
  const { load, events } = result;
  const seconds: Second[] = [];
  for (const sample of load.samples) {
    const index = Math.floor((sample.sentAt - load.startedAt) / 1000);
    for (let i = seconds.length; i <= index; i++)
      seconds.push({ second: i, requests: 0, failures: 0, outcomes: {} });
    const bucket = seconds[index];
    const outcome = sample.code ? `${sample.outcome} ${sample.code}` : String(sample.outcome);
    bucket.requests++;
    if (sample.outcome !== 200) bucket.failures++;
    bucket.outcomes[outcome] = (bucket.outcomes[outcome] ?? 0) + 1;
  }
  return {
    name,
    summary: load.summary(),
    events: events.map((e) => ({
      what: e.what,
      atSecond: Math.round((e.startedAt - load.startedAt) / 100) / 10,
      tookSeconds: Math.round((e.endedAt - e.startedAt) / 100) / 10,
    })),
    seconds,
  };
}

function markdown(runs: RunReport[], facts: string[]): string {
  const lines = ['# Cluster report', '', ...facts.map((f) => `- ${f}`), ''];
  for (const run of runs) {
    lines.push(
      `## ${run.name}`,
      '',
      `Load: ${run.summary}.`,
      '',
      '| at (s) | step | took (s) |',
      '|---|---|---|',
    );
    for (const e of run.events) lines.push(`| ${e.atSecond} | ${e.what} | ${e.tookSeconds} |`);
    lines.push('', '| second | requests | failures | outcomes |', '|---|---|---|---|');
    for (const s of run.seconds) {
      const outcomes = Object.entries(s.outcomes)
        .map(([o, n]) => `${o}×${n}`)
        .join(', ');
      lines.push(`| ${s.second} | ${s.requests} | ${s.failures} | ${outcomes} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** Writes artifacts/cluster-report.md and artifacts/cluster-report.json. */
export function writeReport(runs: RunReport[], facts: string[]): string {
  mkdirSync(REPORT_DIR, { recursive: true });
  writeFileSync(join(REPORT_DIR, 'cluster-report.json'), `${JSON.stringify({ facts, runs }, null, 2)}\n`);
  const file = join(REPORT_DIR, 'cluster-report.md');
  writeFileSync(file, markdown(runs, facts));
  return file;
}

import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Run } from './http.js';

// What `npm run bench` found, as it is gathered (the lines said on the
// terminal, the failures) and as it is written: bench/results/ in Markdown and
// JSON, the terminal's lines in the data folder's report.txt.

export type ScenarioResult = {
  key: string;
  label: string;
  server: 'porta' | 'baseline';
  statements: number | undefined;
  budget: number | undefined;
  bytes: number;
  rssMb: number;
  runs: Run[];
};

export type Report = {
  date: string;
  machine: { cores: number; cpu: string; memoryGiB: number; node: string };
  postgres: string;
  data: Record<string, unknown>;
  coldStartMs: number;
  buildMs: number;
  plans: { label: string; ms: number | undefined; seqScans: string[] }[];
  scenarios: ScenarioResult[];
  growth: { key: string; label: string; rps10k: number; rps1M: number; ratio: number }[];
  jobs: { label: string; seconds: number; detail: string }[];
  failures: string[];
};

export type Say = (line?: string) => void;

/** The report being filled, the lines said so far, and how each phase says a line or a failure. */
export type BenchRun = { report: Report; lines: string[]; say: Say; fail: (why: string) => void };

export const fmt = (n: number) => Math.round(n).toLocaleString('en');
export const ms = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(1));

/** An empty report of this machine, its first lines said. */
export function startReport(): BenchRun {
  const lines: string[] = [];
  const say = (line = '') => {
    console.log(line);
    lines.push(line);
  };
  const cpu = cpus();
  const report: Report = {
    date: new Date().toISOString(),
    machine: {
      cores: cpu.length,
      cpu: cpu[0]?.model.trim() ?? 'unknown CPU',
      memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
      node: process.versions.node,
    },
    postgres: '',
    data: {},
    coldStartMs: Number.NaN,
    buildMs: Number.NaN,
    plans: [],
    scenarios: [],
    growth: [],
    jobs: [],
    failures: [],
  };
  const fail = (why: string) => {
    report.failures.push(why);
    say(`  FAIL: ${why}`);
  };
  say(`Porta bench, ${report.date}`);
  say(`Machine: ${report.machine.cores} cores (${report.machine.cpu}), ${report.machine.memoryGiB} GiB RAM; Node ${report.machine.node}`);
  return { report, lines, say, fail };
}

const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;

/** The report as Markdown: what README's performance section summarizes. */
function markdown(r: Report, seconds: number): string {
  const out = [
    `# Porta bench, ${r.date.slice(0, 10)}`,
    '',
    `${r.machine.cores} cores (${r.machine.cpu}), ${r.machine.memoryGiB} GiB RAM, Node ${r.machine.node}, PostgreSQL ${r.postgres}.`,
    `Data: ${fmt(Number(r.data.records))} records, ${fmt(Number(r.data.portalUsers))} portal users over ${(r.data.userTypes as string[]).length} user types, ${fmt(Number(r.data.notes))} notes, ${fmt(Number(r.data.attachments))} files.`,
    `Production build in ${(r.buildMs / 1000).toFixed(1)} s; cold start (\`npm start\` to the first portal page) ${(r.coldStartMs / 1000).toFixed(2)} s.`,
    '',
    `autocannon, ${seconds} s per level; statements per request from Server-Timing; size as sent with Brotli; RSS of the server process after the scenario.`,
    '',
    row(['scenario', 'statements', 'KB', 'RSS MB', 'req/s @1', 'req/s @10', 'req/s @50', 'p50 @1 ms', 'p50 @10 ms', 'p99 @10 ms', 'p99 @50 ms']),
    row(Array(11).fill('---')),
  ];
  for (const s of r.scenarios) {
    const at = (c: number) => s.runs.find((x) => x.connections === c);
    out.push(
      row([
        s.label,
        s.statements === undefined ? '–' : `${s.statements}${s.budget ? ` (≤ ${s.budget})` : ''}`,
        (s.bytes / 1024).toFixed(1),
        fmt(s.rssMb),
        fmt(at(1)?.rps ?? 0),
        fmt(at(10)?.rps ?? 0),
        fmt(at(50)?.rps ?? 0),
        ms(at(1)?.p50),
        ms(at(10)?.p50),
        ms(at(10)?.p99),
        ms(at(50)?.p99),
      ]),
    );
  }
  out.push(
    '',
    'Growth from 10,000 to 1,000,000 records (req/s at 10 connections):',
    '',
    row(['page', '10k', '1M', 'ratio']),
    row(['---', '---', '---', '---']),
  );
  for (const g of r.growth) out.push(row([g.label, fmt(g.rps10k), fmt(g.rps1M), g.ratio.toFixed(2)]));
  out.push('', 'Background work:', '');
  for (const j of r.jobs) out.push(`- ${j.label}: ${j.seconds.toFixed(1)} s; ${j.detail}`);
  out.push('', 'Plans:', '');
  for (const p of r.plans) out.push(`- ${p.seqScans.length ? 'SEQUENTIAL' : 'index'} ${ms(p.ms)} ms: ${p.label}`);
  out.push('', r.failures.length ? `FAILED: ${r.failures.join('; ')}` : 'No failure.', '');
  return out.join('\n');
}

/** The terminal's lines, kept beside the bench's data. */
export async function writeLines(lines: string[], dataDir: string) {
  await writeFile(join(dataDir, 'report.txt'), `${lines.join('\n')}\n`);
}

/** The verdict said, then the report written under its date and as latest, in Markdown and JSON. */
export async function writeReports({ report, lines, say }: BenchRun, dirs: { results: string; data: string }, seconds: number) {
  say();
  say(report.failures.length ? `FAILED: ${report.failures.join('; ')}` : 'ok: every page within its statement budget, no failed request, no sequential scan.');
  await mkdir(dirs.results, { recursive: true });
  const stamp = report.date.slice(0, 16).replace(/[:T]/g, '-');
  const md = markdown(report, seconds);
  const json = `${JSON.stringify(report, null, 2)}\n`;
  for (const name of [stamp, 'latest']) {
    await writeFile(join(dirs.results, `${name}.md`), md);
    await writeFile(join(dirs.results, `${name}.json`), json);
  }
  await writeLines(lines, dirs.data);
  console.log(`\nReports written to ${join(dirs.results, `${stamp}.md`)} and .json (and latest.md, latest.json)`);
}

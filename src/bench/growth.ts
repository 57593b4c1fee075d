import { join } from 'node:path';
import { projectRoot } from '../paths.js';
import type { Prepared } from './data.js';
import { hammer, type Target } from './http.js';
import { BENCH_PORTAL_SLUG } from './portal-data.js';
import { freePort, type Server, startServer } from './processes.js';
import { type BenchRun, fmt } from './report.js';
import { type Scenario, targetOf } from './scenarios.js';
import { portaEnv, portalHeaders, staffHeaders } from './servers.js';

// How the pages' cost grows with the data: the same pages on a second Porta
// over the small database, against the Porta over the large one.

/** The growth ratios into the report; the second Porta is added to `servers` while it runs. */
export async function measureGrowth(
  { report, say, fail }: BenchRun,
  servers: Server[],
  porta: Server,
  opts: { data: Prepared; scenarios: Scenario[]; listPath: string; seconds: number; dataDir: string },
) {
  const { big, little, smallUrl, tokens, smallSamples } = opts.data;
  const smallPort = await freePort();
  const smallPorta = await startServer({
    command: [process.execPath, 'dist/src/main.js'],
    cwd: projectRoot,
    env: portaEnv(smallPort, { DATABASE_URL: smallUrl }),
    origin: `http://127.0.0.1:${smallPort}`,
    readyPath: `/p/${BENCH_PORTAL_SLUG}`,
    readyHeaders: portalHeaders(tokens.smallPortal),
    logFile: join(opts.dataDir, 'porta-10k.log'),
  });
  servers.push(smallPorta);
  say();
  say(`How the cost grows from ${fmt(little.size.records)} to ${fmt(big.size.records)} records (req/s at 10 connections; ratio = 10k / 1M, 1 = no growth):`);
  const growth: [string, string, Target, Target][] = [
    ['list', 'portal case list', { path: opts.listPath, headers: portalHeaders(tokens.smallPortal), expect: [200] }, targetOf(opts.scenarios, 'list')],
    [
      'staff-search',
      'staff contacts search',
      { path: `/admin/m/contacts?q=${encodeURIComponent(smallSamples.contactWord)}`, headers: staffHeaders(tokens.smallStaff), expect: [200] },
      targetOf(opts.scenarios, 'staff-search'),
    ],
    [
      'staff-list',
      'staff contacts list',
      { path: '/admin/m/contacts', headers: staffHeaders(tokens.smallStaff), expect: [200] },
      { path: '/admin/m/contacts', headers: staffHeaders(tokens.staff), expect: [200] },
    ],
  ];
  for (const [key, label, smallTarget, bigTarget] of growth) {
    await hammer(smallPorta.origin, smallTarget, 10, 1);
    const a = await hammer(smallPorta.origin, smallTarget, 10, opts.seconds);
    await hammer(porta.origin, bigTarget, 10, 1);
    const b = await hammer(porta.origin, bigTarget, 10, opts.seconds);
    const ratio = a.rps / b.rps;
    report.growth.push({ key, label, rps10k: a.rps, rps1M: b.rps, ratio });
    say(`  ${label.padEnd(28)} ${fmt(a.rps).padStart(6)} → ${fmt(b.rps).padStart(6)} req/s   ratio ${ratio.toFixed(2)}`);
    if (a.errors || a.unexpected || b.errors || b.unexpected) fail(`${label}: failed requests while measuring growth`);
  }
  await smallPorta.stop();
}

import { join } from 'node:path';
import { SESSION_COOKIE } from '../auth/cookies.js';
import { PORTAL_COOKIE } from '../auth/portal-session.js';
import { projectRoot } from '../paths.js';
import { BENCH_PORTAL_SLUG } from './portal-data.js';
import { freePort, runCommand, type Server, startServer } from './processes.js';
import { type BenchRun, fmt } from './report.js';

// The servers under load: the production build, Porta started on the bench's
// existing data folder as `npm start` starts it (its cold start timed), and
// the baselines' process beside it.

export const portalHeaders = (token: string) => ({ cookie: `${PORTAL_COOKIE}=${token}`, 'accept-encoding': 'br, gzip', accept: 'text/html' });
export const staffHeaders = (token: string) => ({ cookie: `${SESSION_COOKIE}=${token}`, 'accept-encoding': 'br, gzip', accept: 'text/html' });

/** The environment of a Porta of the build on `port`, counting its statements in Server-Timing. */
export const portaEnv = (port: number, extra: NodeJS.ProcessEnv) => ({
  ...process.env,
  NODE_ENV: 'production',
  PORT: String(port),
  BASE_URL: `http://127.0.0.1:${port}`,
  SERVER_TIMING: 'true',
  SEED_DEMO: 'false',
  INBOUND_SMTP_PORT: '0',
  LOG_LEVEL: 'warn',
  DATABASE_URL: '',
  ...extra,
});

/** `npm run build`, timed. */
export async function buildProduction({ report, say }: BenchRun) {
  say();
  const started = performance.now();
  await runCommand('npm', ['run', 'build', '--silent'], projectRoot);
  report.buildMs = performance.now() - started;
  say(`Production build (npm run build): ${(report.buildMs / 1000).toFixed(1)} s`);
}

export type ServerOptions = {
  /** Where Porta finds its database: DATABASE_URL, or the embedded server's EMBEDDED_PG_DIR and EMBEDDED_PG_PORT. */
  portaDatabase: NodeJS.ProcessEnv;
  /** The database URL the baseline connects to. */
  url: string;
  embedded: boolean;
  planFile: string;
  poolMax: number;
  portalToken: string;
  dataDir: string;
};

/** Porta (cold start timed) and the baselines, each added to `servers` as soon as it answers, so the caller stops them. */
export async function startPortaAndBaseline({ report, say }: BenchRun, servers: Server[], opts: ServerOptions) {
  const port = await freePort();
  const porta = await startServer({
    command: ['npm', 'start', '--silent'],
    cwd: projectRoot,
    env: portaEnv(port, opts.portaDatabase),
    origin: `http://127.0.0.1:${port}`,
    readyPath: `/p/${BENCH_PORTAL_SLUG}`,
    readyHeaders: portalHeaders(opts.portalToken),
    logFile: join(opts.dataDir, 'porta.log'),
  });
  servers.push(porta);
  report.coldStartMs = porta.readyMs;
  say(
    `Cold start: ${(porta.readyMs / 1000).toFixed(2)} s from \`npm start\` to the first portal page (${opts.embedded ? 'embedded PostgreSQL started on the existing data folder, migrations checked' : 'BENCH_DATABASE_URL'}), RSS ${fmt(await porta.rssMb())} MB`,
  );
  const basePort = await freePort();
  const baseline = await startServer({
    command: [process.execPath, 'dist/src/bench/baseline-server.js'],
    cwd: projectRoot,
    env: { ...process.env, DATABASE_URL: opts.url, PORT: String(basePort), BASELINE_PLAN: opts.planFile, DATABASE_POOL_MAX: String(opts.poolMax) },
    origin: `http://127.0.0.1:${basePort}`,
    readyPath: '/constant',
    logFile: join(opts.dataDir, 'baseline.log'),
  });
  servers.push(baseline);
  return { porta, baseline };
}

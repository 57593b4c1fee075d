import { readFileSync } from 'node:fs';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { compress } from 'hono/compress';
import { getCookie } from 'hono/cookie';
import pg from 'pg';
import { sessionIdFromToken } from '../auth/sessions.js';
import { brotli } from '../http/middleware/brotli.js';

// The benchmark's baselines, in a process of their own: a Hono route that
// answers a constant, and a Hono route that does the least a correct server
// must for a portal list — the very statements Porta sent for the same page
// and user (captured by the benchmark and given in BASELINE_PLAN), the
// session's first, the rest side by side, the rows rendered as escaped HTML,
// compressed as Porta compresses.

export type BaselinePlan = {
  /** The cookie holding the session token. */
  cookie: string;
  /** The captured session id among the statements' values: replaced by the id of each request's token. */
  sessionValue: string;
  statements: { text: string; values: unknown[] }[];
};

const plan = JSON.parse(readFileSync(process.env.BASELINE_PLAN ?? '', 'utf8')) as BaselinePlan;
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_MAX ?? 10), application_name: 'porta-baseline' });

const escapeHtml = (v: unknown) =>
  (typeof v === 'string' ? v : v instanceof Date ? v.toISOString() : (JSON.stringify(v) ?? '')).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

const app = new Hono();
app.use(compress());
app.use(brotli());
app.get('/constant', (c) => c.text('ok'));
app.get('/list', async (c) => {
  const token = getCookie(c, plan.cookie);
  if (!token) return c.text('sign in', 401);
  const id = sessionIdFromToken(token);
  const values = (v: unknown[]) => v.map((x) => (x === plan.sessionValue ? id : x));
  const [first, ...rest] = plan.statements;
  if (!first) return c.text('no plan', 500);
  const session = await pool.query(first.text, values(first.values));
  if (session.rows.length === 0) return c.text('sign in', 401);
  const results = await Promise.all(rest.map((s) => pool.query(s.text, values(s.values))));
  const tables = results
    .map(
      (r) =>
        `<table>${r.rows
          .map(
            (row: Record<string, unknown>) =>
              `<tr>${Object.values(row)
                .map((v) => `<td>${escapeHtml(v)}</td>`)
                .join('')}</tr>`,
          )
          .join('')}</table>`,
    )
    .join('');
  return c.html(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Cases</title></head><body><h1>Cases</h1>${tables}</body></html>`);
});

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3999), hostname: '127.0.0.1' });
const stop = () => server.close(() => void pool.end().then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

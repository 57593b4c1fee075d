import type { MiddlewareHandler } from 'hono';
import { withStatementTally } from '../../db/statement-count.js';
import type { AppEnv } from '../env.js';

/**
 * With SERVER_TIMING=true: `Server-Timing: db;dur=<ms>;desc="<n> statements"`
 * on every answer, the statements being those the request sent through
 * Porta's pool (job queue connections aside). Off by default: it tells
 * clients how much work a page is.
 */
export function serverTiming(): MiddlewareHandler<AppEnv> {
  return (c, next) =>
    withStatementTally(async (tally) => {
      await next();
      c.res.headers.append('Server-Timing', `db;dur=${tally.ms.toFixed(1)};desc="${tally.statements} statements"`);
    });
}

/** The statement count of a Server-Timing header written above; undefined when there is none. */
export function statementsOf(header: string | null | undefined): number | undefined {
  const found = header ? /db;dur=[\d.]+;desc="(\d+) statements"/.exec(header) : null;
  return found ? Number(found[1]) : undefined;
}

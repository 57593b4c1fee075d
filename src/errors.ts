/**
 * An error whose message already says what went wrong and what to do about it
 * (configuration, usage, the embedded database): entry points print the
 * message alone, not a stack trace.
 */
export class OperatorError extends Error {
  override name = 'OperatorError';
}

/** How every entry point ends when it cannot start or finish. */
export function exitWithFailure(err: unknown, what = 'Porta failed to start'): never {
  if (err instanceof OperatorError) console.error(err.message);
  else console.error(`${what}:`, err);
  process.exit(1);
}

// Node's socket errors, PostgreSQL's connection exceptions (class 08) and its
// shutdown and start-up refusals (57P01–57P03), and the messages node-postgres
// gives a lost or never-made connection (they carry no code).
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
]);
const UNREACHABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|connection error and is not queryable|Client was closed and is not queryable/i;

/** The database could not be reached or went away mid-request: a passing outage, not a fault of the request. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (UNREACHABLE_CODES.has(code) || code.startsWith('08'))) return true;
    if (UNREACHABLE_MESSAGES.test(e.message)) return true;
    if (e instanceof AggregateError && e.errors.some(isDatabaseUnavailable)) return true;
  }
  return false;
}

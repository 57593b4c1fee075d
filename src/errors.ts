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

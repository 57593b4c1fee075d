import type { Child } from 'hono/jsx';

export type AlertKind = 'error' | 'warning' | 'success' | 'info';

/** A message the page shows once; errors are announced to screen readers. */
export function Alert({ kind, children }: { kind: AlertKind; children: Child }) {
  return (
    <div class={`alert alert-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

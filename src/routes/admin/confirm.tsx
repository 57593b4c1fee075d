import type { Context } from 'hono';
import { ConfirmAction, type ConfirmActionProps } from '../../../views/admin/portals/ConfirmAction.js';
import type { AppEnv } from '../../http/env.js';
import { page } from '../../http/render.js';

/** A confirmation step as a page of its own, titled by what it asks; Confirm says "Confirm" unless told otherwise. */
export function confirmPage(c: Context<AppEnv>, props: Omit<ConfirmActionProps, 'view' | 'confirmLabel'> & { confirmLabel?: string }) {
  const confirmLabel = props.confirmLabel ?? c.get('t')('portalusers:confirm.submit');
  return page(c, { title: props.title, body: <ConfirmAction view={c.get('view')} {...props} confirmLabel={confirmLabel} /> });
}

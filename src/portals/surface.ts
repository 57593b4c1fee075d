import type { PortalShell } from '../../views/layouts/PortalLayout.js';
import type { AccessContext } from '../access/context.js';
import type { PortalNav } from './portal-nav.js';

/**
 * Who is looking at a portal's tabs and in which frame: a signed-in portal
 * user at /p/:slug, or an admin previewing a user type or a portal user. Both
 * get the very same routes, loaders and views; the preview is read-only.
 */
export type PortalSurface = {
  ctx: AccessContext;
  /** Where the tab pages live: /p/:slug, or the preview's address for this subject. */
  base: string;
  shell(nav: PortalNav): PortalShell;
  /** True in preview: every write answers 403 and writes nothing. */
  readOnly: boolean;
};

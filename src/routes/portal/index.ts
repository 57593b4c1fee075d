import { Hono } from 'hono';
import type { AppEnv } from '../../http/env.js';
import { refuseControlCharacters } from '../../http/middleware/control-characters.js';
import { portalAuthRoutes } from './auth.js';
import { portalBrandRoutes } from './brand.js';
import { loadPortal, portalNotFound, portalOf, portalShell, requirePortalUser } from './context.js';
import { portalInvitationRoutes } from './invitation.js';
import { portalPasswordRoutes } from './password.js';
import { portalPrivacyRoutes } from './privacy.js';
import { portalProfileRoutes } from './profile.js';
import { portalSignupRoutes } from './signup.js';
import { portalSsoRoutes } from './sso.js';
import { portalTabRoutes, type SurfaceResolver } from './tab-pages.js';

/**
 * A portal's own pages under /p/:slug: signing in, invitations, password
 * resets, two-factor sign-in, preferences and the tabs. Mounted after the
 * redirects from earlier slugs, and behind the app's cross-origin POST guard.
 */
export const portalRoutes = new Hono<AppEnv>();

// Also matches /p/:slug itself.
portalRoutes.use('/:slug/*', loadPortal());
// The app's own check leaves portal addresses to this one, which answers in the signed-in user's language.
portalRoutes.use('/:slug/*', refuseControlCharacters());
portalRoutes.route('/', portalBrandRoutes);
portalRoutes.route('/', portalAuthRoutes);
portalRoutes.route('/', portalPasswordRoutes);
portalRoutes.route('/', portalInvitationRoutes);
portalRoutes.route('/', portalProfileRoutes);
portalRoutes.route('/', portalPrivacyRoutes);
portalRoutes.route('/', portalSignupRoutes);
portalRoutes.route('/', portalSsoRoutes);

// The tabs, for the signed-in user; the preview mounts the same routes with its own surface.
for (const path of ['/:slug', '/:slug/m/*', '/:slug/tabs/*']) portalRoutes.use(path, requirePortalUser());
const signedIn: SurfaceResolver = async (c) => {
  const p = portalOf(c);
  if (!p.access) return c.notFound();
  return { ctx: p.access, base: p.base, shell: (nav) => portalShell(c, nav), readOnly: false };
};
portalRoutes.route('/:slug', portalTabRoutes(signedIn));

// Any other address of a portal is not found in that portal's own frame, never the staff side's.
portalRoutes.all('/:slug/*', (c) => portalNotFound(c));

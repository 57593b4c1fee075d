import { Hono } from 'hono';
import type { AppEnv } from '../../http/env.js';
import { portalAuthRoutes } from './auth.js';
import { loadPortal } from './context.js';
import { portalInvitationRoutes } from './invitation.js';
import { portalPageRoutes } from './pages.js';
import { portalPasswordRoutes } from './password.js';
import { portalProfileRoutes } from './profile.js';

/**
 * A portal's own pages under /p/:slug: signing in, invitations, password
 * resets, two-factor sign-in, preferences and the tabs. Mounted after the
 * redirects from earlier slugs, and behind the app's cross-origin POST guard.
 */
export const portalRoutes = new Hono<AppEnv>();

// Also matches /p/:slug itself.
portalRoutes.use('/:slug/*', loadPortal());
portalRoutes.route('/', portalAuthRoutes);
portalRoutes.route('/', portalPasswordRoutes);
portalRoutes.route('/', portalInvitationRoutes);
portalRoutes.route('/', portalProfileRoutes);
portalRoutes.route('/', portalPageRoutes);

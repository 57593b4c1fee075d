import { Hono } from 'hono';
import { type SettingsEntry, SettingsIndex } from '../../../../views/admin/settings/SettingsIndex.js';
import { requireAdmin } from '../../../auth/guards.js';
import type { AppEnv } from '../../../http/env.js';
import { page } from '../../../http/render.js';

/** The areas of the administrator's settings, in the order the index lists them. */
export const SETTINGS_ENTRIES: SettingsEntry[] = [
  { href: '/admin/settings/modules', titleKey: 'settings:index.modules.title', descriptionKey: 'settings:index.modules.description' },
  { href: '/admin/settings/profiles', titleKey: 'access:settings.profiles.title', descriptionKey: 'access:settings.profiles.description' },
  { href: '/admin/settings/users', titleKey: 'access:settings.users.title', descriptionKey: 'access:settings.users.description' },
  { href: '/admin/settings/privacy', titleKey: 'privacy:card.title', descriptionKey: 'privacy:card.description' },
  { href: '/admin/settings/sso', titleKey: 'sso:staff.entryTitle', descriptionKey: 'sso:staff.entryDescription' },
  { href: '/admin/settings/portals/cards', titleKey: 'portalconfig:canvas.title', descriptionKey: 'portalconfig:canvas.intro' },
  { href: '/admin/settings/portals/transfer', titleKey: 'portalconfig:page.title', descriptionKey: 'portalconfig:page.exportHint' },
  { href: '/admin/settings/portals', titleKey: 'portals:settingsEntry.title', descriptionKey: 'portals:settingsEntry.description' },
];

export const settingsIndexRoutes = new Hono<AppEnv>();

// Guarded here, not for the whole /admin/settings tree: some areas under it answer to other permissions.
settingsIndexRoutes.get('/', requireAdmin(), (c) =>
  page(c, { title: c.get('t')('settings:index.title'), body: <SettingsIndex view={c.get('view')} entries={SETTINGS_ENTRIES} /> }),
);

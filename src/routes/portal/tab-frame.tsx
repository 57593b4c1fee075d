import type { Context } from 'hono';
import type { Field } from '../../db/schema.js';
import type { AppEnv } from '../../http/env.js';
import { readRecordForm } from '../../http/record-form.js';
import { page } from '../../http/render.js';
import type { InviteDeps } from '../../invitations/invite.js';
import { type PortalNav, portalNav } from '../../portals/portal-nav.js';
import type { RecordHref } from '../../portals/portal-pages.js';
import type { FormReader } from '../../portals/portal-writes.js';
import type { PortalSurface } from '../../portals/surface.js';

// What the tab pages share: the surface of the request, its frame for short
// answers (refusals, "not found"), and what a write needs from the request.

export function surfaceOf(c: Context<AppEnv>): PortalSurface {
  const surface = c.get('surface');
  if (!surface) throw new Error('tab route without its surface');
  return surface;
}

export const navOf = (c: Context<AppEnv>) => portalNav(c.get('deps').db, surfaceOf(c).ctx);

/** The address of a record of the surface. */
export const recordHrefOf =
  (s: PortalSurface): RecordHref =>
  (api, id) =>
    `${s.base}/m/${api}/${id}`;

export const currencyOf = (c: Context<AppEnv>) => c.get('org')?.currency ?? 'EUR';

export const timeZoneOf = (c: Context<AppEnv>) => c.get('portal')?.user?.timeZone ?? c.get('org')?.time_zone ?? 'UTC';

export const inviteDeps = (c: Context<AppEnv>): InviteDeps => ({ db: c.get('deps').db, boss: c.get('deps').boss, baseUrl: c.get('deps').config.baseUrl });

/** The request's record form, for the module's fields, with the layout and version it was drawn in. */
export const readForm =
  (c: Context<AppEnv>): FormReader =>
  async (fields: Field[]) => {
    const { input, meta, present } = await readRecordForm(c, fields);
    const version = meta.__version === undefined ? undefined : Number(meta.__version);
    return { input, present, layoutId: meta.__layout, version: Number.isInteger(version) ? version : -1 };
  };

/** A short page in the surface's frame, linking back to the portal's home. */
export function surfaceMessage(c: Context<AppEnv>, surface: PortalSurface, nav: PortalNav, status: 200 | 403 | 404, title: string, message: string) {
  const t = c.get('t');
  return page(c, {
    title,
    status,
    portal: surface.shell(nav),
    body: (
      <section>
        <h1>{title}</h1>
        <p>{message}</p>
        {status !== 200 && (
          <p>
            <a href={surface.base}>{t('portal:backHome')}</a>
          </p>
        )}
      </section>
    ),
  });
}

export function notFound(c: Context<AppEnv>, nav: PortalNav) {
  const t = c.get('t');
  return surfaceMessage(c, surfaceOf(c), nav, 404, t('errors:notFound.title'), t('errors:notFound.message'));
}

/** A refused request answered in the frame: 404 as for a record that does not exist, 403 as forbidden. */
export async function refusedPage(c: Context<AppEnv>, status: 403 | 404) {
  const nav = await navOf(c);
  if (status === 404) return notFound(c, nav);
  const t = c.get('t');
  return surfaceMessage(c, surfaceOf(c), nav, 403, t('errors:forbiddenTitle'), t('errors:forbidden'));
}

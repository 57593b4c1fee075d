import { type Context, Hono } from 'hono';
import { InvitationEmailPage, type InvitationEmailPageProps, invitationEmailPath } from '../../../../views/admin/portals/InvitationEmailPage.js';
import { requireManagePortals } from '../../../auth/guards.js';
import type { Portal } from '../../../db/schema.js';
import type { AppEnv } from '../../../http/env.js';
import { errorPage, notFound, page } from '../../../http/render.js';
import { formValues } from '../../../http/request.js';
import { isLanguage, type Language } from '../../../i18n/languages.js';
import {
  checkTemplate,
  customLanguages,
  defaultTemplate,
  findTemplate,
  previewInvitation,
  resetTemplate,
  saveTemplate,
} from '../../../invitations/templates.js';
import { findPortal } from '../../../portals/portals.js';

/** A portal's invitation email per language. Mounted under /admin/settings/portals/:id/invitation-email. */
export const portalInvitationEmailRoutes = new Hono<AppEnv>();

portalInvitationEmailRoutes.use('*', requireManagePortals());

type Found = { portal: Portal; language: Language };

/** The portal and the language asked for (the form's, else the address's, else the organization's). */
async function load(c: Context<AppEnv>, asked?: string): Promise<Found | undefined> {
  const portal = await findPortal(c.get('deps').db, c.req.param('id') ?? '');
  if (!portal) return undefined;
  const wanted = asked ?? c.req.query('lang');
  const fallback = c.get('org')?.default_language;
  const language: Language = isLanguage(wanted) ? wanted : isLanguage(fallback) ? fallback : 'en';
  return { portal, language };
}

async function render(c: Context<AppEnv>, found: Found, extra: Partial<InvitationEmailPageProps> = {}, status: 200 | 422 = 200) {
  const db = c.get('deps').db;
  const { portal, language } = found;
  const [custom, saved] = await Promise.all([customLanguages(db, portal.id), findTemplate(db, portal.id, language)]);
  const t = c.get('t');
  const done = c.req.query('done');
  return page(c, {
    title: t('portalusers:email.title', { portal: portal.name }),
    status,
    body: (
      <InvitationEmailPage
        view={c.get('view')}
        portal={portal}
        language={language}
        custom={custom}
        values={saved ? { subject: saved.subject, body: saved.body } : defaultTemplate(language)}
        notice={done === 'saved' || done === 'reset' ? t(`portalusers:email.done.${done}`) : undefined}
        {...extra}
      />
    ),
  });
}

/** A language Porta does not speak: nothing is saved under another language's name. */
function unknownLanguage(c: Context<AppEnv>) {
  const t = c.get('t');
  return errorPage(c, 422, t('errors:formHasErrors'), t('errors:language'));
}

portalInvitationEmailRoutes.get('/', async (c) => {
  const found = await load(c);
  return found ? render(c, found) : notFound(c);
});

// Preview or save what was typed; with an unknown placeholder neither happens.
portalInvitationEmailRoutes.post('/', async (c) => {
  const form = await formValues(c, ['lang', 'subject', 'body', 'intent']);
  const found = await load(c, form.lang);
  if (!found) return notFound(c);
  if (form.lang !== undefined && !isLanguage(form.lang)) return unknownLanguage(c);
  const values = { subject: form.subject ?? '', body: form.body ?? '' };
  const errors = checkTemplate(values);
  if (errors.subject || errors.body) return render(c, found, { values, errors }, 422);
  const { db, config } = c.get('deps');
  if (form.intent === 'save') {
    await saveTemplate(db, c.get('staff')?.id ?? '', found.portal.id, found.language, values);
    return c.redirect(`${invitationEmailPath(found.portal.id)}?lang=${found.language}&done=saved`, 303);
  }
  const preview = await previewInvitation(db, found.portal, found.language, values, config.baseUrl);
  return render(c, found, { values, preview });
});

portalInvitationEmailRoutes.post('/reset', async (c) => {
  const form = await formValues(c, ['lang']);
  const found = await load(c, form.lang);
  if (!found) return notFound(c);
  if (form.lang !== undefined && !isLanguage(form.lang)) return unknownLanguage(c);
  await resetTemplate(c.get('deps').db, c.get('staff')?.id ?? '', found.portal.id, found.language);
  return c.redirect(`${invitationEmailPath(found.portal.id)}?lang=${found.language}&done=reset`, 303);
});

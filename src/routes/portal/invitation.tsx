import { type Context, Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { InvitationProblemPage, SetPasswordPage } from '../../../views/portal/auth/InvitationPages.js';
import { WelcomePage } from '../../../views/portal/auth/PreferencesPage.js';
import { checkNewPassword } from '../../auth/password-reset.js';
import { preferenceValues, savePortalLanguage, savePortalPreferences, validatePortalPreferences } from '../../auth/portal-preferences.js';
import { setPortalCookie } from '../../auth/portal-session.js';
import { invalidateSession } from '../../auth/sessions.js';
import type { AppEnv } from '../../http/env.js';
import { applyLocale, LANG_COOKIE } from '../../http/middleware/context.js';
import { page } from '../../http/render.js';
import { clientAddress, formValues } from '../../http/request.js';
import { isLanguage } from '../../i18n/languages.js';
import { acceptInvitation, type InvitationLink, invitationLink } from '../../invitations/acceptance.js';
import { portalNav } from '../../portals/portal-pages.js';
import { portalOf, portalShell, requirePortalUser } from './context.js';

/** Following an invitation link, then the welcome page of preferences. Mounted under /p. */
export const portalInvitationRoutes = new Hono<AppEnv>();

function problem(c: Context<AppEnv>, link: Exclude<InvitationLink, { state: 'valid' }>) {
  const p = portalOf(c);
  const t = c.get('t');
  const title = t(`portalauth:invite.problem.${link.state}.title`);
  return page(c, {
    title,
    status: link.state === 'unknown' ? 404 : 410,
    portal: portalShell(c),
    body: <InvitationProblemPage view={c.get('view')} base={p.base} state={link.state} contact={link.state === 'unknown' ? undefined : link.contact} />,
  });
}

/**
 * The invitation page speaks the invitee's own language (the one their email
 * was written in) unless they picked one with the switcher; with neither, the
 * browser's. Signed in, the same order holds, so nothing flips on the way in.
 */
function speakInviteeLanguage(c: Context<AppEnv>, link: Extract<InvitationLink, { state: 'valid' }>) {
  if (!isLanguage(getCookie(c, LANG_COOKIE)) && link.language) applyLocale(c, { language: link.language });
}

portalInvitationRoutes.get('/:slug/invite/:token', async (c) => {
  const p = portalOf(c);
  // The token is in the address: it must not travel on to other sites as a referrer.
  c.header('Referrer-Policy', 'no-referrer');
  const link = await invitationLink(c.get('deps').db, p.portal, c.req.param('token'));
  if (link.state !== 'valid') return problem(c, link);
  speakInviteeLanguage(c, link);
  return page(c, {
    title: c.get('t')('portalauth:invite.title', { portal: p.portal.name }),
    portal: portalShell(c),
    body: <SetPasswordPage view={c.get('view')} portalName={p.portal.name} action={c.req.path} email={link.email} contact={link.contact} errors={{}} />,
  });
});

portalInvitationRoutes.post('/:slug/invite/:token', async (c) => {
  const p = portalOf(c);
  const { db, config } = c.get('deps');
  const token = c.req.param('token');
  const form = await formValues(c, ['password', 'passwordConfirm']);
  const checked = checkNewPassword(form);
  if (!checked.ok) {
    const link = await invitationLink(db, p.portal, token);
    if (link.state !== 'valid') return problem(c, link);
    speakInviteeLanguage(c, link);
    return page(c, {
      title: c.get('t')('portalauth:invite.title', { portal: p.portal.name }),
      status: 422,
      portal: portalShell(c),
      body: (
        <SetPasswordPage
          view={c.get('view')}
          portalName={p.portal.name}
          action={c.req.path}
          email={link.email}
          contact={link.contact}
          errors={checked.errors}
        />
      ),
    });
  }
  const result = await acceptInvitation(db, p.portal, token, checked.password, {
    sessionDays: config.sessionDays,
    ip: clientAddress(c),
    userAgent: c.req.header('User-Agent'),
  });
  if (!result.ok) return problem(c, result.link);
  // Picked with the switcher while reading the invitation: the welcome page goes on in it.
  const picked = getCookie(c, LANG_COOKIE);
  if (isLanguage(picked) && result.language && picked !== result.language) await savePortalLanguage(db, result.portalUserId, picked);
  if (p.session) await invalidateSession(db, p.session.id);
  setPortalCookie(c, p.portal.slug, result.token, result.expiresAt);
  return c.redirect(`${p.base}/welcome`, 303);
});

portalInvitationRoutes.use('/:slug/welcome', requirePortalUser());

portalInvitationRoutes.get('/:slug/welcome', async (c) => {
  const p = portalOf(c);
  if (!p.user) return c.notFound();
  const nav = await portalNav(c.get('deps').db, p.access);
  return page(c, {
    title: c.get('t')('portalauth:welcome.title', { portal: p.portal.name }),
    portal: portalShell(c, nav),
    body: (
      <WelcomePage view={c.get('view')} base={p.base} portalName={p.portal.name} values={preferenceValues(p.user, c.get('org'), c.get('lang'))} errors={{}} />
    ),
  });
});

portalInvitationRoutes.post('/:slug/welcome', async (c) => {
  const p = portalOf(c);
  const db = c.get('deps').db;
  if (!p.user) return c.notFound();
  const form = await formValues(c, ['language', 'timeFormat', 'timeZone', 'country']);
  const checked = validatePortalPreferences(form);
  const nav = await portalNav(db, p.access);
  if (!checked.ok) {
    const values = { language: form.language ?? '', timeFormat: form.timeFormat ?? '', timeZone: form.timeZone ?? '', country: form.country ?? '' };
    return page(c, {
      title: c.get('t')('portalauth:welcome.title', { portal: p.portal.name }),
      status: 422,
      portal: portalShell(c, nav),
      body: <WelcomePage view={c.get('view')} base={p.base} portalName={p.portal.name} values={values} errors={checked.errors} />,
    });
  }
  await savePortalPreferences(db, p.user.id, checked.prefs);
  // The user's own records first: their base module's tab, when the type shows it.
  const base = nav.modules.find((m) => m.module.id === p.access?.baseModuleId) ?? nav.modules[0];
  return c.redirect(base ? `${p.base}/m/${base.module.api_name}` : p.base, 303);
});

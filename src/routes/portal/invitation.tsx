import { type Context, Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { InvitationProblemPage, SetPasswordPage } from '../../../views/portal/auth/InvitationPages.js';
import { WelcomePage } from '../../../views/portal/auth/PreferencesPage.js';
import { preferenceValues, submitPortalPreferences } from '../../auth/portal-preferences.js';
import { setPortalCookie } from '../../auth/portal-session.js';
import type { AppEnv } from '../../http/env.js';
import { applyLocale, LANG_COOKIE } from '../../http/middleware/context.js';
import { page } from '../../http/render.js';
import { clientAddress, formValues } from '../../http/request.js';
import { isLanguage } from '../../i18n/languages.js';
import { submitInvitation } from '../../invitations/accept-form.js';
import { type InvitationLink, invitationLink } from '../../invitations/acceptance.js';
import type { FieldErrors } from '../../org/setup-input.js';
import { portalNav } from '../../portals/portal-nav.js';
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

/** The invitation's form: the password to set, in the invitee's language. */
function setPasswordPage(c: Context<AppEnv>, link: Extract<InvitationLink, { state: 'valid' }>, status: 200 | 422, errors: FieldErrors) {
  const p = portalOf(c);
  speakInviteeLanguage(c, link);
  return page(c, {
    title: c.get('t')('portalauth:invite.title', { portal: p.portal.name }),
    status,
    portal: portalShell(c),
    body: <SetPasswordPage view={c.get('view')} portalName={p.portal.name} action={c.req.path} email={link.email} contact={link.contact} errors={errors} />,
  });
}

portalInvitationRoutes.get('/:slug/invite/:token', async (c) => {
  const p = portalOf(c);
  // The token is in the address: it must not travel on to other sites as a referrer.
  c.header('Referrer-Policy', 'no-referrer');
  const link = await invitationLink(c.get('deps').db, p.portal, c.req.param('token'));
  if (link.state !== 'valid') return problem(c, link);
  return setPasswordPage(c, link, 200, {});
});

portalInvitationRoutes.post('/:slug/invite/:token', async (c) => {
  const p = portalOf(c);
  const { db, config } = c.get('deps');
  const form = await formValues(c, ['password', 'passwordConfirm']);
  // Picked with the switcher while reading the invitation: the welcome page goes on in it.
  const picked = getCookie(c, LANG_COOKIE);
  const result = await submitInvitation(db, p.portal, c.req.param('token'), form, {
    sessionDays: config.sessionDays,
    ip: clientAddress(c),
    userAgent: c.req.header('User-Agent'),
    picked: isLanguage(picked) ? picked : undefined,
    replacing: p.session?.id,
  });
  if (!result.ok) return result.errors ? setPasswordPage(c, result.link, 422, result.errors) : problem(c, result.link);
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
  const saved = await submitPortalPreferences(db, p.user.id, form);
  const nav = await portalNav(db, p.access);
  if (!saved.ok) {
    return page(c, {
      title: c.get('t')('portalauth:welcome.title', { portal: p.portal.name }),
      status: 422,
      portal: portalShell(c, nav),
      body: <WelcomePage view={c.get('view')} base={p.base} portalName={p.portal.name} values={saved.values} errors={saved.errors} />,
    });
  }
  // The user's own records first: their base module's tab, when the type shows it.
  const base = nav.modules.find((m) => m.module.id === p.access?.baseModuleId) ?? nav.modules[0];
  return c.redirect(base ? `${p.base}/m/${base.module.api_name}` : p.base, 303);
});

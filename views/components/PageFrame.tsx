import type { Child } from 'hono/jsx';
import type { ViewContext } from '../../src/http/env.js';
import { LanguageSwitcher } from './LanguageSwitcher.js';

/** The signed-in person's name (linking to their preferences) and the sign-out button. */
export function AccountMenu({
  view,
  name,
  profileHref,
  logoutAction,
  detailsHref,
  privacyHref,
}: {
  view: ViewContext;
  name: string;
  profileHref: string;
  logoutAction: string;
  /** A portal user's own record ("My details"), when their type shows its tab. */
  detailsHref?: string | undefined;
  /** A portal user's Data privacy page, when the organization complies with the GDPR. */
  privacyHref?: string | undefined;
}) {
  return (
    <div class="account">
      {detailsHref && (
        <a href={detailsHref} aria-current={view.path === detailsHref ? 'page' : undefined}>
          {view.t('portal:nav.myDetails')}
        </a>
      )}
      {privacyHref && (
        <a href={privacyHref} aria-current={view.path === privacyHref ? 'page' : undefined}>
          {view.t('privacy:portal.title')}
        </a>
      )}
      <a class="account-name" href={profileHref} aria-current={view.path === profileHref ? 'page' : undefined}>
        {name}
      </a>
      <form method="post" action={logoutAction}>
        <button type="submit" class="button secondary small">
          {view.t('auth:logout')}
        </button>
      </form>
    </div>
  );
}

/** The page's main content and the footer with the language switcher (posting to `langAction` when the page has its own). */
export function MainAndFooter({ view, langAction, children }: { view: ViewContext; langAction?: string | undefined; children: Child }) {
  return (
    <>
      <main id="main" class="content">
        {children}
      </main>
      <footer class="site-footer">
        <LanguageSwitcher view={view} action={langAction} />
      </footer>
    </>
  );
}

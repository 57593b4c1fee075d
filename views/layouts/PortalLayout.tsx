import type { Child } from 'hono/jsx';
import type { ViewContext } from '../../src/http/env.js';
import type { PortalBrand } from '../../src/portals/branding.js';
import { AccountMenu, MainAndFooter } from '../components/PageFrame.js';
import { Document } from './Document.js';

export type PortalTab = { href: string; label: string };

export type PortalShell = {
  /** The portal's own name, shown as its brand. */
  name: string;
  /** Base path of the portal, /p/:slug. */
  base: string;
  /** The portal's logo and accent colour, when it has them. */
  brand?: PortalBrand | undefined;
  tabs: PortalTab[];
  /** The signed-in portal user's display name; undefined on sign-in pages. */
  userName?: string | undefined;
  /** Shown above the page when an admin previews the portal as someone else. */
  previewBanner?: string | undefined;
  /** Where the preview's banner leads back to the configurator. */
  previewExit?: string | undefined;
  /** The signed-in user's own record ("My details"), when their type shows its tab. */
  detailsHref?: string | undefined;
  /** The Data privacy page, when the organization's GDPR compliance is on. */
  privacyHref?: string | undefined;
  /** The portal's own language switcher address, which also saves the signed-in user's choice. */
  langAction?: string | undefined;
};

/** The customer-facing shell: portal name, its tabs, the user's menu, and the language switcher. */
export function PortalLayout({ view, title, portal, children }: { view: ViewContext; title: string; portal: PortalShell; children: Child }) {
  const { t, path } = view;
  return (
    <Document view={view} title={title} bodyClass="portal" stylesheet={portal.brand?.themeHref}>
      {portal.previewBanner && (
        <p class="preview-banner" role="status">
          {portal.previewBanner}
          {portal.previewExit && (
            <>
              {' '}
              <a href={portal.previewExit}>{t('portal:preview.exit')}</a>
            </>
          )}
        </p>
      )}
      <header class="topbar">
        <a class="brand" href={portal.base}>
          {portal.brand?.logoSrc && <img src={portal.brand.logoSrc} alt="" class="brand-logo" height="32" />}
          {portal.name}
        </a>
        {portal.tabs.length > 0 && (
          <nav aria-label={t('portal:nav.label')}>
            <ul>
              {portal.tabs.map((tab) => (
                <li>
                  <a href={tab.href} aria-current={path === tab.href || path.startsWith(`${tab.href}/`) ? 'page' : undefined}>
                    {tab.label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        )}
        {portal.userName && (
          <AccountMenu
            view={view}
            name={portal.userName}
            profileHref={`${portal.base}/profile`}
            logoutAction={`${portal.base}/logout`}
            detailsHref={portal.detailsHref}
            privacyHref={portal.privacyHref}
          />
        )}
      </header>
      <MainAndFooter view={view} langAction={portal.langAction}>
        {children}
      </MainAndFooter>
    </Document>
  );
}

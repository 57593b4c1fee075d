import type { Child } from 'hono/jsx';
import type { ViewContext } from '../../src/http/env.js';
import { AccountMenu, MainAndFooter } from '../components/PageFrame.js';
import { Document } from './Document.js';

const NAV = [
  { href: '/admin', key: 'admin:nav.home', exact: true },
  { href: '/admin/m', key: 'admin:nav.records', exact: false },
  { href: '/admin/outbox', key: 'admin:nav.outbox', exact: false },
  { href: '/admin/privacy/requests', key: 'admin:nav.privacy', exact: false, adminOnly: true },
  { href: '/admin/settings', key: 'admin:nav.settings', exact: false },
] as const;

/** The staff site: top bar with navigation and account, content, footer with the language switcher. */
export function AdminLayout({ view, title, children }: { view: ViewContext; title: string; children: Child }) {
  const { t, staff, path } = view;
  return (
    <Document view={view} title={title} bodyClass="admin">
      <header class="topbar">
        <a class="brand" href="/admin">
          {view.orgName ?? 'Porta'}
        </a>
        <nav aria-label={t('admin:nav.label')} hx-boost:inherited="true">
          <ul>
            {NAV.filter((item) => !('adminOnly' in item) || staff?.isAdmin).map((item) => {
              const current = item.exact ? path === item.href : path.startsWith(item.href);
              return (
                <li>
                  <a href={item.href} aria-current={current ? 'page' : undefined}>
                    {t(item.key)}
                  </a>
                </li>
              );
            })}
          </ul>
        </nav>
        {staff && <AccountMenu view={view} name={staff.name} profileHref="/admin/profile" logoutAction="/admin/logout" />}
      </header>
      <MainAndFooter view={view}>{children}</MainAndFooter>
    </Document>
  );
}

import type { Child } from 'hono/jsx';
import type { ViewContext } from '../../src/http/env.js';
import { LanguageSwitcher } from '../components/LanguageSwitcher.js';
import { Document } from './Document.js';

/** Centered card for sign-in and first-run setup. */
export function AuthLayout({ view, title, children }: { view: ViewContext; title: string; children: Child }) {
  return (
    <Document view={view} title={title} bodyClass="auth">
      <header class="auth-brand">
        <span class="brand">{view.orgName ?? 'Porta'}</span>
      </header>
      <main id="main" class="auth-card">
        {children}
      </main>
      <footer class="site-footer">
        <LanguageSwitcher view={view} />
      </footer>
    </Document>
  );
}

import { describe, expect, it } from 'vitest';
import type { ViewContext } from '../../src/http/env.js';
import { createFormatters } from '../../src/i18n/format.js';
import { translator } from '../../src/i18n/i18n.js';
import { PortalLayout } from '../../views/layouts/PortalLayout.js';

function viewIn(lang: 'en' | 'es', path: string): ViewContext {
  return {
    t: translator(lang),
    lang,
    fmt: createFormatters({ language: lang, timeZone: 'UTC', timeFormat: '24h' }),
    asset: (p) => `/static/${p}`,
    path,
    orgName: 'Acme',
    staff: undefined,
  };
}

const portal = {
  name: 'Acme Customer Care',
  base: '/p/acme',
  tabs: [
    { href: '/p/acme/m/cases', label: 'Cases' },
    { href: '/p/acme/m/quotes', label: 'Quotes' },
  ],
  userName: 'Alice Martin',
};

describe('the portal page shell', () => {
  it('shows the portal name, its tabs with the current one marked, and the user menu', async () => {
    const html = await (
      <PortalLayout view={viewIn('en', '/p/acme/m/cases/123')} title="Case 123" portal={portal}>
        <h1>Case 123</h1>
      </PortalLayout>
    ).toString();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<title>Case 123 · Acme</title>');
    expect(html).toContain('<a class="brand" href="/p/acme">Acme Customer Care</a>');
    expect(html).toContain('<nav aria-label="Portal navigation">');
    expect(html).toContain('<a href="/p/acme/m/cases" aria-current="page">Cases</a>');
    expect(html).toContain('<a href="/p/acme/m/quotes">Quotes</a>');
    expect(html).toContain('action="/p/acme/logout"');
    expect(html).toContain('<main id="main" class="content"><h1>Case 123</h1></main>');
    expect(html).not.toContain('preview-banner');
  });

  it('speaks the visitor’s language, hides the user menu when signed out, and shows a preview banner', async () => {
    const html = await (
      <PortalLayout view={viewIn('es', '/p/acme/login')} title="Acceso" portal={{ ...portal, tabs: [], userName: undefined, previewBanner: 'Vista previa' }}>
        <p>x</p>
      </PortalLayout>
    ).toString();
    expect(html).toContain('<html lang="es">');
    expect(html).toContain('Saltar al contenido principal');
    expect(html).not.toContain('/p/acme/logout');
    expect(html).not.toContain('<nav');
    expect(html).toContain('<p class="preview-banner" role="status">Vista previa</p>');
  });
});

import type { Child } from 'hono/jsx';
import type { ViewContext } from '../../src/http/env.js';

/** The html/head shell shared by every layout. No inline script or style: the CSP forbids both. */
export function Document({
  view,
  title,
  bodyClass,
  stylesheet,
  children,
}: {
  view: ViewContext;
  title: string;
  bodyClass: string;
  /** One more stylesheet after ours (a portal's accent colour). */
  stylesheet?: string | undefined;
  children: Child;
}) {
  const site = view.orgName ? `${title} · ${view.orgName}` : `${title} · Porta`;
  return (
    <html lang={view.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{site}</title>
        <link rel="icon" href={view.asset('favicon.svg')} type="image/svg+xml" />
        <link rel="stylesheet" href={view.asset('css/app.css')} />
        {stylesheet && <link rel="stylesheet" href={stylesheet} />}
        <script src={view.asset('vendor/htmx.min.js')} defer></script>
      </head>
      <body class={bodyClass}>
        <a class="skip-link" href="#main">
          {view.t('common:skipToContent')}
        </a>
        {children}
      </body>
    </html>
  );
}

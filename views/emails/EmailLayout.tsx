import type { Child } from 'hono/jsx';

// Email clients ignore stylesheets, so styles are inline here (these pages are never served with our CSP).
const body = 'margin:0;padding:24px;background:#f4f5f7;font-family:Arial,Helvetica,sans-serif;color:#1f2933;';
const card = 'max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:32px;line-height:1.5;';
const foot = 'max-width:560px;margin:16px auto 0;font-size:12px;color:#52606d;text-align:center;';

export function EmailLayout({ lang, title, footer, children }: { lang: string; title: string; footer: string; children: Child }) {
  return (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title}</title>
      </head>
      <body style={body}>
        <div style={card}>{children}</div>
        <p style={foot}>{footer}</p>
      </body>
    </html>
  );
}

export function EmailButton({ href, children }: { href: string; children: Child }) {
  return (
    <p style="margin:24px 0;">
      <a href={href} style="display:inline-block;background:#1d4ed8;color:#ffffff;padding:12px 20px;border-radius:6px;text-decoration:none;font-weight:bold;">
        {children}
      </a>
    </p>
  );
}

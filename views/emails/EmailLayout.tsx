import type { Child } from 'hono/jsx';

// Email clients ignore stylesheets, so styles are inline here (these pages are never served with our CSP).
const body = 'margin:0;padding:24px;background:#f4f5f7;font-family:Arial,Helvetica,sans-serif;color:#1f2933;';
const card = 'max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:32px;line-height:1.5;';
const foot = 'max-width:560px;margin:16px auto 0;font-size:12px;color:#52606d;text-align:center;';

/** A portal's look in its emails: its logo (an absolute URL), name and accent colour. */
export type EmailBrand = { name: string; logoUrl?: string | undefined; accent?: string | undefined };

export function EmailLayout({
  lang,
  title,
  footer,
  brand,
  children,
}: {
  lang: string;
  title: string;
  footer: string;
  brand?: EmailBrand | undefined;
  children: Child;
}) {
  return (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title}</title>
      </head>
      <body style={body}>
        <div style={card}>
          {brand && (
            <p style={`margin:0 0 24px;font-weight:bold;font-size:16px;color:${brand.accent ?? '#1d4ed8'};`}>
              {brand.logoUrl && <img src={brand.logoUrl} alt="" height="32" style="height:32px;vertical-align:middle;margin-right:8px;" />}
              {brand.name}
            </p>
          )}
          {children}
        </div>
        <p style={foot}>{footer}</p>
      </body>
    </html>
  );
}

export function EmailButton({ href, accent, children }: { href: string; accent?: string | undefined; children: Child }) {
  return (
    <p style="margin:24px 0;">
      <a
        href={href}
        style={
          `display:inline-block;background:${accent ?? '#1d4ed8'};color:#ffffff;` + 'padding:12px 20px;border-radius:6px;text-decoration:none;font-weight:bold;'
        }
      >
        {children}
      </a>
    </p>
  );
}

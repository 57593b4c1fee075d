import { sha256 } from '@oslojs/crypto/sha2';
import { encodeHexLowerCase } from '@oslojs/encoding';
import { checkUpload } from '../crm/file-types.js';
import type { Database } from '../db/database.js';
import type { Portal } from '../db/schema.js';

// A portal's look and address: its accent colour (buttons and links on
// white text, so it must reach WCAG AA contrast against white), its logo
// (a PNG, JPEG, GIF or WebP of at most LOGO_MAX_BYTES, checked by content,
// served under its hash so browsers keep it for good), and a host name of its
// own, where the portal answers besides /p/:slug.

export const LOGO_MAX_BYTES = 512 * 1024;
const LOGO_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
/** WCAG 2 AA for normal text. */
export const MIN_CONTRAST = 4.5;

const channel = (hex: string) => {
  const c = Number.parseInt(hex, 16) / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
};

/** The contrast ratio of white text on #rrggbb. */
export function contrastWithWhite(color: string): number {
  const [r, g, b] = [color.slice(1, 3), color.slice(3, 5), color.slice(5, 7)].map(channel) as [number, number, number];
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return 1.05 / (luminance + 0.05);
}

/** The accent colour as stored (#rrggbb, lower case; empty for none), or the message why it cannot be. */
export function checkAccent(raw: string): { ok: true; value: string | null } | { ok: false; error: string } {
  const value = raw.trim().toLowerCase();
  if (value === '') return { ok: true, value: null };
  if (!/^#[0-9a-f]{6}$/.test(value)) return { ok: false, error: 'portals:branding.errors.colorFormat' };
  if (contrastWithWhite(value) < MIN_CONTRAST) return { ok: false, error: 'portals:branding.errors.colorContrast' };
  return { ok: true, value };
}

export type CheckedLogo = { hash: string; contentType: string; bytes: Uint8Array };

/** An uploaded logo checked by its content, with the hash it is served under; or the message why it cannot be one. */
export function checkLogo(file: { name: string; bytes: Uint8Array }): { ok: true; logo: CheckedLogo } | { ok: false; error: string } {
  if (file.bytes.byteLength === 0) return { ok: false, error: 'portals:branding.errors.logoMissing' };
  if (file.bytes.byteLength > LOGO_MAX_BYTES) return { ok: false, error: 'portals:branding.errors.logoTooLarge' };
  const checked = checkUpload(file.name, file.bytes);
  if (!checked.ok || !LOGO_TYPES.has(checked.type)) return { ok: false, error: 'portals:branding.errors.logoType' };
  return { ok: true, logo: { hash: encodeHexLowerCase(sha256(file.bytes)).slice(0, 16), contentType: checked.type, bytes: file.bytes } };
}

/** The logo of a portal by its slug, only under its current hash. */
export function findLogo(db: Database, slug: string, hash: string) {
  if (!/^[0-9a-f]{16}$/.test(hash)) return Promise.resolve(undefined);
  return db
    .selectFrom('portal_logos as l')
    .innerJoin('portals as p', 'p.id', 'l.portal_id')
    .select(['l.content', 'l.content_type'])
    .where('p.slug', '=', slug)
    .where('l.hash', '=', hash)
    .executeTakeFirst();
}

/** What the portal's pages draw of its brand: its logo and its colour's stylesheet, both under addresses that change with them. */
export type PortalBrand = { logoSrc: string | undefined; themeHref: string | undefined };

export const portalBrand = (portal: Pick<Portal, 'slug' | 'logo_hash' | 'accent_color'>): PortalBrand => ({
  logoSrc: portal.logo_hash ? `/p/${portal.slug}/brand/logo-${portal.logo_hash}` : undefined,
  themeHref: portal.accent_color ? `/p/${portal.slug}/brand/accent-${portal.accent_color.slice(1)}.css` : undefined,
});

/** The stylesheet of an accent colour: it and a darker shade for hover and current states. */
export function accentStylesheet(color: string): string {
  const dark = `#${[1, 3, 5]
    .map((i) =>
      Math.round(Number.parseInt(color.slice(i, i + 2), 16) * 0.7)
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
  return `body.portal { --primary: ${color}; --primary-dark: ${dark}; }\n`;
}

const HOST = /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9](:\d{1,5})?$/;

/**
 * The portal's own host name as stored (null for none): a full name such as
 * support.acme.com (a port only for local set-ups), not Porta's own host,
 * and not another portal's.
 */
export async function checkDomain(
  db: Database,
  portalId: string,
  raw: string,
  baseUrl: string,
): Promise<{ ok: true; value: string | null } | { ok: false; error: string }> {
  const value = raw
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/\/+$/, '');
  if (value === '') return { ok: true, value: null };
  if (!HOST.test(value)) return { ok: false, error: 'portals:domain.errors.format' };
  const base = new URL(baseUrl);
  if (value === base.host || value === base.hostname) return { ok: false, error: 'portals:domain.errors.ours' };
  const taken = await db.selectFrom('portals').select('id').where('domain', '=', value).where('id', '!=', portalId).executeTakeFirst();
  if (taken) return { ok: false, error: 'portals:domain.errors.taken' };
  return { ok: true, value };
}

/** Where a portal's pages are, for links in emails: its own host when it has one, else /p/:slug under BASE_URL. */
export function portalPublicUrl(baseUrl: string, portal: Pick<Portal, 'slug' | 'domain'>): string {
  const base = new URL(baseUrl);
  return portal.domain ? `${base.protocol}//${portal.domain}/p/${portal.slug}` : `${baseUrl}/p/${portal.slug}`;
}

/** The portal's look for its emails, with absolute addresses. */
export function emailBrand(baseUrl: string, portal: Pick<Portal, 'name' | 'slug' | 'domain' | 'accent_color' | 'logo_hash'>) {
  const logo = portalBrand(portal).logoSrc;
  const origin = portal.domain ? `${new URL(baseUrl).protocol}//${portal.domain}` : baseUrl;
  return { name: portal.name, accent: portal.accent_color ?? undefined, logoUrl: logo ? `${origin}${logo}` : undefined };
}

import { snapshotFor } from '../db/config-snapshot.js';
import type { Database } from '../db/database.js';

export const SLUG_MAX = 40;
/** Paths the site itself answers, or may one day, next to /p/<slug>. */
export const RESERVED_SLUGS = ['admin', 'static', 'setup', 'healthz', 'api', 'p', 'login', 'logout'] as const;

const SLUG_SHAPE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** A URL slug from a name: lowercase ASCII, accents dropped, anything else a single dash. */
export function slugify(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, SLUG_MAX)
    .replace(/-+$/g, '');
}

export type SlugCheck = { ok: true } | { ok: false; reason: 'taken' | 'reserved' | 'invalid'; suggestion: string | undefined };

async function slugInUse(db: Database, slug: string, exceptPortalId: string | undefined): Promise<boolean> {
  const row = await db
    .selectFrom('portals')
    .select('id as portal_id')
    .where('slug', '=', slug)
    .unionAll(db.selectFrom('portal_slugs').select('portal_id').where('slug', '=', slug))
    .execute();
  // A portal may take back one of its own earlier slugs.
  return row.some((r) => r.portal_id !== exceptPortalId);
}

const isReserved = (slug: string) => (RESERVED_SLUGS as readonly string[]).includes(slug);

/** The first free variant of a slug ("clientes-2", "clientes-3"…). */
async function freeVariant(db: Database, base: string, exceptPortalId: string | undefined): Promise<string | undefined> {
  const stem = base || 'portal';
  if (!isReserved(stem) && !(await slugInUse(db, stem, exceptPortalId))) return stem;
  for (let n = 2; n < 100; n++) {
    const suffix = `-${n}`;
    const candidate = `${stem.slice(0, SLUG_MAX - suffix.length).replace(/-+$/g, '')}${suffix}`;
    if (!(await slugInUse(db, candidate, exceptPortalId))) return candidate;
  }
  return undefined;
}

/** Whether a slug, exactly as typed, can be a portal's URL; when not, why and a free alternative. */
export async function slugAvailability(db: Database, slug: string, exceptPortalId?: string): Promise<SlugCheck> {
  if (!SLUG_SHAPE.test(slug) || slug.length > SLUG_MAX) {
    return { ok: false, reason: 'invalid', suggestion: await freeVariant(db, slugify(slug), exceptPortalId) };
  }
  if (isReserved(slug)) return { ok: false, reason: 'reserved', suggestion: await freeVariant(db, `${slug}-portal`, exceptPortalId) };
  if (await slugInUse(db, slug, exceptPortalId)) return { ok: false, reason: 'taken', suggestion: await freeVariant(db, slug, exceptPortalId) };
  return { ok: true };
}

/** A slug derived from a name that is free to use (for forms where the admin left the slug empty). */
export function freeSlugFor(db: Database, name: string): Promise<string | undefined> {
  return freeVariant(db, slugify(name), undefined);
}

/** Where an earlier slug now points: the portal's current slug, if the slug was one of its old ones. */
export async function currentSlugFor(db: Database, oldSlug: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('portal_slugs as s')
    .innerJoin('portals as p', 'p.id', 's.portal_id')
    .select('p.slug')
    .where('s.slug', '=', oldSlug)
    .executeTakeFirst();
  return row?.slug;
}

export async function isCurrentSlug(db: Database, slug: string): Promise<boolean> {
  const snapshot = snapshotFor(db);
  if (snapshot) return snapshot.portalsBySlug.has(slug);
  return Boolean(await db.selectFrom('portals').select('id').where('slug', '=', slug).executeTakeFirst());
}

import { sql, type Transaction } from 'kysely';
import { type Actor, audit } from '../audit/audit.js';
import { snapshotFor } from '../db/config-snapshot.js';
import type { Database } from '../db/database.js';
import type { DB, Portal } from '../db/schema.js';
import { isUuid } from '../http/input.js';
import { translator } from '../i18n/i18n.js';
import { isLanguage } from '../i18n/languages.js';
import { freeSlugFor, type SlugCheck, slugAvailability } from './slugs.js';
import { insertUserType } from './type-defaults.js';

export const MAX_PORTALS = 5;
export const NAME_MAX = 80;
/** Serializes portal creation and slug changes: the count and slug uniqueness span two tables. */
const PORTALS_LOCK = 'portals:config';

export type Message = { key: string; params?: Record<string, string | number> };
export type PortalErrors = Partial<Record<'name' | 'slug' | 'form' | 'reopenDays' | 'knowledgeBase' | 'accent' | 'logo' | 'domain', Message>>;
export type PortalResult = { ok: true; portal: Portal } | { ok: false; errors: PortalErrors };

export type PortalSummary = Portal & { types: { id: string; name: string; is_default: boolean }[] };

export function listPortals(db: Database): Promise<Portal[]> {
  return db.selectFrom('portals').selectAll().orderBy('position').orderBy('created_at').execute();
}

export function findPortal(db: Database, id: string): Promise<Portal | undefined> {
  if (!isUuid(id)) return Promise.resolve(undefined);
  const snapshot = snapshotFor(db);
  if (snapshot) return Promise.resolve(snapshot.portalsById.get(id));
  return db.selectFrom('portals').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function portalCount(db: Database): Promise<number> {
  const row = await db
    .selectFrom('portals')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The message an admin reads for an unavailable slug, with a free alternative when there is one. */
export function slugMessage(check: SlugCheck): Message | undefined {
  if (check.ok) return undefined;
  const base = `portals:slug.${check.reason}`;
  return check.suggestion ? { key: `${base}Suggest`, params: { suggestion: check.suggestion } } : { key: base };
}

/** Holds the portals lock until the transaction ends. */
export async function lockPortals(trx: Transaction<DB>) {
  await sql`select pg_advisory_xact_lock(hashtext(${PORTALS_LOCK}))`.execute(trx);
}

export function checkPortalName(name: string): Message | undefined {
  if (!name) return { key: 'portals:name.required' };
  if (name.length > NAME_MAX) return { key: 'portals:name.tooLong', params: { max: NAME_MAX } };
  return undefined;
}

/**
 * A new portal with its default user type "Customer portal" (named in the
 * organization's language) whose base tab shows the user's own contact.
 */
export async function createPortal(db: Database, actor: Actor, input: { name?: string; slug?: string }): Promise<PortalResult> {
  return db.transaction().execute(async (trx) => {
    await lockPortals(trx);
    const org = await trx.selectFrom('org').select(['name', 'default_language']).executeTakeFirstOrThrow();
    const count = Number(
      (
        await trx
          .selectFrom('portals')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    if (count >= MAX_PORTALS) return { ok: false as const, errors: { form: { key: 'portals:create.limit', params: { max: MAX_PORTALS } } } };

    const name = input.name?.trim() || org.name;
    const errors: PortalErrors = {};
    const nameError = checkPortalName(name);
    if (nameError) errors.name = nameError;
    let slug = input.slug?.trim() ?? '';
    if (slug) {
      const message = slugMessage(await slugAvailability(trx, slug));
      if (message) errors.slug = message;
    } else {
      slug = (await freeSlugFor(trx, name)) ?? '';
      if (!slug) errors.slug = { key: 'portals:slug.required' };
    }
    if (errors.name || errors.slug) return { ok: false as const, errors };

    const contacts = await trx.selectFrom('modules').select('id').where('api_name', '=', 'contacts').executeTakeFirstOrThrow();
    const portal = await trx.insertInto('portals').values({ name, slug, position: count }).returningAll().executeTakeFirstOrThrow();
    const t = translator(isLanguage(org.default_language) ? org.default_language : 'en');
    await insertUserType(trx, { portal_id: portal.id, name: t('portals:types.defaultName'), base_module_id: contacts.id, is_default: true });
    await audit(trx, actor, 'portal.created', { type: 'portal', id: portal.id }, { name, slug });
    return { ok: true as const, portal };
  });
}

export function oldSlugs(db: Database, portalId: string): Promise<string[]> {
  return db
    .selectFrom('portal_slugs')
    .select('slug')
    .where('portal_id', '=', portalId)
    .orderBy('created_at', 'desc')
    .execute()
    .then((rows) => rows.map((r) => r.slug));
}

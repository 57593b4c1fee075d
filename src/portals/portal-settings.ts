import { sql, type Updateable } from 'kysely';
import { type Actor, audit } from '../audit/audit.js';
import { checkReopenDays } from '../cases/status.js';
import { checkKnowledgeBase } from '../cases/suggestions.js';
import type { Database } from '../db/database.js';
import type { Portal, PortalsTable } from '../db/schema.js';
import { type CheckedLogo, checkAccent, checkDomain, checkLogo } from './branding.js';
import { checkPortalName, lockPortals, type PortalErrors, type PortalResult, slugMessage } from './portals.js';
import { slugAvailability } from './slugs.js';

/**
 * What the portal step's form sends. A setting left out (undefined) keeps its
 * value; the logo changes only when a file comes or `removeLogo` is set.
 */
export type PortalSettingsInput = {
  name?: string | undefined;
  slug?: string | undefined;
  domain?: string | undefined;
  reopenDays?: string | undefined;
  knowledgeBase?: string | undefined;
  accent?: string | undefined;
  logo?: { name: string; bytes: Uint8Array } | undefined;
  removeLogo?: boolean | undefined;
};

type Change = { set: Updateable<PortalsTable>; event: string; data: Record<string, unknown> };

/**
 * Saves the portal step at once: every setting is checked first and, when
 * one is refused, nothing is saved and each refusal is named. A new address
 * keeps the current one as an old slug, so links to it keep working. Each
 * setting that changes is audited under its own event.
 */
export async function savePortalSettings(db: Database, actor: Actor, portalId: string, input: PortalSettingsInput, baseUrl: string): Promise<PortalResult> {
  return db.transaction().execute(async (trx): Promise<PortalResult> => {
    await lockPortals(trx);
    const before = await trx.selectFrom('portals').selectAll().where('id', '=', portalId).forUpdate().executeTakeFirst();
    if (!before) return { ok: false, errors: { form: { key: 'portals:notFound' } } };
    const errors: PortalErrors = {};
    const changes: Change[] = [];

    if (input.name !== undefined) {
      const name = input.name.trim();
      const error = checkPortalName(name);
      if (error) errors.name = error;
      else if (name !== before.name) changes.push({ set: { name }, event: 'portal.renamed', data: { from: before.name, to: name } });
    }
    const slug = input.slug?.trim();
    if (slug !== undefined && slug !== before.slug) {
      const message = slugMessage(await slugAvailability(trx, slug, portalId));
      if (message) errors.slug = message;
      else changes.push({ set: { slug }, event: 'portal.slug_changed', data: { from: before.slug, to: slug } });
    }
    if (input.domain !== undefined) {
      const domain = await checkDomain(trx, portalId, input.domain, baseUrl);
      if (!domain.ok) errors.domain = { key: domain.error };
      else if (domain.value !== before.domain) changes.push({ set: { domain: domain.value }, event: 'portal.domain_set', data: { domain: domain.value } });
    }
    if (input.reopenDays !== undefined) {
      const days = checkReopenDays(input.reopenDays);
      if (!days.ok) errors.reopenDays = { key: days.error };
      else if (days.value !== before.reopen_days)
        changes.push({ set: { reopen_days: days.value }, event: 'portal.reopen_days_set', data: { days: days.value } });
    }
    if (input.knowledgeBase !== undefined) {
      const base = await checkKnowledgeBase(trx, input.knowledgeBase.trim());
      if (!base.ok) errors.knowledgeBase = { key: base.error };
      else if (base.value !== before.knowledge_base_module_id)
        changes.push({ set: { knowledge_base_module_id: base.value }, event: 'portal.knowledge_base_set', data: { module: base.value } });
    }
    if (input.accent !== undefined) {
      const accent = checkAccent(input.accent);
      if (!accent.ok) errors.accent = { key: accent.error };
      else if (accent.value !== before.accent_color)
        changes.push({ set: { accent_color: accent.value }, event: 'portal.accent_set', data: { color: accent.value } });
    }
    let logo: CheckedLogo | undefined;
    if (input.logo) {
      const checked = checkLogo(input.logo);
      if (!checked.ok) errors.logo = { key: checked.error };
      else logo = checked.logo;
    }
    if (Object.keys(errors).length > 0) return { ok: false, errors };

    if (slug !== undefined && slug !== before.slug) {
      await trx.deleteFrom('portal_slugs').where('slug', '=', slug).where('portal_id', '=', portalId).execute();
      await trx.insertInto('portal_slugs').values({ slug: before.slug, portal_id: portalId }).execute();
    }
    if (logo) {
      const row = { hash: logo.hash, content_type: logo.contentType, content: Buffer.from(logo.bytes) };
      await trx
        .insertInto('portal_logos')
        .values({ portal_id: portalId, ...row })
        .onConflict((oc) => oc.column('portal_id').doUpdateSet({ ...row, updated_at: new Date() }))
        .execute();
      changes.push({ set: { logo_hash: logo.hash }, event: 'portal.logo_set', data: { hash: logo.hash, size: logo.bytes.byteLength } });
    } else if (input.removeLogo && before.logo_hash) {
      await trx.deleteFrom('portal_logos').where('portal_id', '=', portalId).execute();
      changes.push({ set: { logo_hash: null }, event: 'portal.logo_removed', data: {} });
    }
    if (changes.length === 0) return { ok: true, portal: before };
    const portal: Portal = await trx
      .updateTable('portals')
      .set(Object.assign({ updated_at: sql<Date>`now()` }, ...changes.map((c) => c.set)))
      .where('id', '=', portalId)
      .returningAll()
      .executeTakeFirstOrThrow();
    for (const change of changes) await audit(trx, actor, change.event, { type: 'portal', id: portalId }, change.data);
    return { ok: true, portal };
  });
}

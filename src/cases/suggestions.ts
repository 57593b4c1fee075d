import { sql } from 'kysely';
import type { AccessContext } from '../access/context.js';
import { fieldMask, layoutsShowing, maskRecordData, pageInScope, type ScopeField, visibleTabs } from '../access/engine.js';
import type { StoredValue } from '../crm/field-types.js';
import { loadModuleMeta, loadModuleMetaById, type ModuleMeta } from '../crm/metadata.js';
import { displayName } from '../crm/records.js';
import type { Database } from '../db/database.js';
import { isUuid } from '../http/input.js';

// Suggested answers while a customer types a case's subject: public
// knowledge-base articles (the Solutions module, shared as a public tab)
// matching its words, read through the engine like any list.

export const KNOWLEDGE_BASE_MODULE = 'solutions';
export const MAX_SUGGESTIONS = 5;
const SEARCHABLE = new Set(['text', 'textarea']);
/** Words shorter than this match too much to suggest anything useful. */
const MIN_WORD = 3;

export type Suggestion = { id: string; name: string };

/** The knowledge base U can read: the portal's (Solutions unless the admin chose another module) when their type shares it as a public tab. */
export async function knowledgeBase(db: Database, ctx: AccessContext | undefined): Promise<ModuleMeta | undefined> {
  if (!ctx) return undefined;
  const portal = await db.selectFrom('portals').select('knowledge_base_module_id').where('id', '=', ctx.portalId).executeTakeFirst();
  const meta = portal?.knowledge_base_module_id
    ? await loadModuleMetaById(db, portal.knowledge_base_module_id)
    : await loadModuleMeta(db, KNOWLEDGE_BASE_MODULE);
  const tab = meta ? visibleTabs(ctx).find((t) => t.moduleId === meta.module.id) : undefined;
  return tab?.kind === 'public' ? meta : undefined;
}

/**
 * Up to five articles matching any of the subject's words in their visible
 * text fields, named from their visible name fields.
 */
export async function suggestArticles(
  db: Database,
  ctx: AccessContext | undefined,
  subject: string,
): Promise<{ meta: ModuleMeta; articles: Suggestion[] } | undefined> {
  const meta = await knowledgeBase(db, ctx);
  if (!ctx || !meta) return undefined;
  const words = subject
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length >= MIN_WORD)
    .slice(0, 8);
  if (words.length === 0) return { meta, articles: [] };
  const searchIn: ScopeField[] = meta.fields
    .filter((f) => SEARCHABLE.has(f.type) && layoutsShowing(ctx, meta.module.id, f.id).length > 0)
    .map((f) => ({ id: f.id, apiName: f.api_name, kind: 'text' }));
  // Articles holding every word, else (at most one more statement) those holding the longest one.
  const ordered = [...new Set(words)].sort((a, b) => b.length - a.length);
  const attempts = ordered.length > 1 ? [ordered, ordered.slice(0, 1)] : [ordered];
  for (const [i, attempt] of attempts.entries()) {
    const page = await pageInScope(db, ctx, meta.module.id, { words: attempt, searchIn, dir: 'desc', limit: MAX_SUGGESTIONS });
    if (page.rows.length > 0 || i === attempts.length - 1) {
      const articles = page.rows.map((r) => {
        const visible = maskRecordData(fieldMask(ctx, meta.module.id, r.layout_id), meta, r.data as Record<string, unknown>) as Record<string, StoredValue>;
        return { id: r.id, name: displayName(meta, visible) };
      });
      return { meta, articles };
    }
  }
  return { meta, articles: [] };
}

/**
 * The module a portal's knowledge base is to come from: a live module (null:
 * the Solutions module), suggested where a type shows it as a public tab; or
 * the message why it cannot be.
 */
export async function checkKnowledgeBase(db: Database, moduleId: string): Promise<{ ok: true; value: string | null } | { ok: false; error: string }> {
  if (moduleId === '') return { ok: true, value: null };
  if (!isUuid(moduleId)) return { ok: false, error: 'portals:cases.errors.knowledgeBase' };
  const module = await db.selectFrom('modules').select('id').where('id', '=', moduleId).where('deleted_at', 'is', null).executeTakeFirst();
  return module ? { ok: true, value: module.id } : { ok: false, error: 'portals:cases.errors.knowledgeBase' };
}

/** How long after opening an article a case from the same customer still means the article did not answer. */
const DEFLECTION_WINDOW = '1 day';

/** A customer opened a suggested article (from a new case's form): it may answer them. */
export async function recordSuggestionOpened(db: Database, ctx: AccessContext, articleId: string): Promise<void> {
  if (!ctx.user || ctx.readOnly) return;
  await db.insertInto('case_deflections').values({ portal_id: ctx.portalId, portal_user_id: ctx.user.id, article_id: articleId }).execute();
}

/**
 * Cases deflected in a portal over the last `days`: customers who opened a
 * suggested article and opened no case within a day after (each customer
 * and article once).
 */
export async function deflectedCases(db: Database, portalId: string, days = 30): Promise<number> {
  const row = await db
    .selectFrom('case_deflections as d')
    .select(sql<string>`count(distinct (d.portal_user_id, d.article_id))`.as('n'))
    .where('d.portal_id', '=', portalId)
    .where('d.opened_at', '>', sql<Date>`now() - make_interval(days => ${days})`)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          // UNSCOPED READ: counts only: deflected cases on the portal's settings page (requireManagePortals); no record data leaves.
          selectFrom('records as r')
            .innerJoin('modules as m', 'm.id', 'r.module_id')
            .select(sql`1`.as('one'))
            .where('m.case_config', 'is not', null)
            .whereRef('r.created_by_portal_user_id', '=', 'd.portal_user_id')
            .whereRef('r.created_at', '>=', 'd.opened_at')
            .where('r.created_at', '<=', sql<Date>`d.opened_at + ${DEFLECTION_WINDOW}::interval`),
        ),
      ),
    )
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

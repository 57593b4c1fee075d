import { type AccessContext, loadAccessContext, previewUserContext, type TabConfig } from '../access/context.js';
import { fieldMask, maskRecordData, pageInScope, visibleTabs } from '../access/engine.js';
import { collectLookupIds } from '../crm/lookups.js';
import { fieldLabel, loadModuleMetaById, type ModuleMeta, moduleLabel } from '../crm/metadata.js';
import { displayName, type RecordData } from '../crm/records.js';
import type { Database } from '../db/database.js';
import type { CrmRecord } from '../db/schema.js';
import { lookupTargets } from '../portals/portal-pages.js';
import { cellText, column, csv, type Entry, exportFields, groupBy, json } from './export-format.js';
import type { Account, Person } from './export-person.js';

// What the person's portal accounts reached: the records each account's tabs
// showed it and those it created, each with only the fields it was shown.

/** Records read per query while walking a tab's scope. */
const SCOPE_PAGE = 500;

type PortalRecord = {
  portal_user_id: string;
  portal: string;
  module: string;
  id: string;
  name: string;
  created_at: Date;
  updated_at: Date;
  created_by_you: boolean;
  /** Only the fields the portal showed; absent when no tab of theirs shows the module. */
  fields?: Record<string, unknown>;
};

/** A tab of one of the person's portal accounts, with that account's access. */
export type Shown = { ctx: AccessContext; tab: TabConfig };

/**
 * The records each account reaches in its portal and those it created, as the
 * permission engine lets it see them. Public tabs are left out: they show
 * every visitor the same records, none of them about the person.
 */
export async function portalEntries(db: Database, p: Person) {
  const metas = new Map<string, Promise<ModuleMeta | undefined>>();
  const metaOf: MetaOf = (moduleId) => {
    const meta = metas.get(moduleId) ?? loadModuleMetaById(db, moduleId);
    metas.set(moduleId, meta);
    return meta;
  };
  const perAccount = await Promise.all(p.accounts.map((account) => accountRecords(db, p, account, metaOf)));
  const records = perAccount.flatMap((a) => a.records);
  const loaded = new Map((await Promise.all(metas.values())).flatMap((m) => (m ? [[m.module.api_name, m] as const] : [])));
  const byModule = groupBy(records, (r) => r.module);
  const entries: Entry[] = [{ files: { 'portal-records.json': json(records) }, about: p.t('privacy:export.readme.files.portalRecords') }];
  for (const [apiName, rows] of byModule) {
    const meta = loaded.get(apiName);
    const fields = meta?.fields.filter((f) => rows.some((r) => r.fields && Object.hasOwn(r.fields, f.api_name))) ?? [];
    const header = ['portal', 'id', 'name', 'createdAt', 'createdByYou'].map((c) => column(p, c));
    const lines = rows.map((r) => [
      r.portal,
      r.id,
      r.name,
      r.created_at.toISOString(),
      cellText(p, undefined, r.created_by_you),
      ...fields.map((f) => cellText(p, f, r.fields?.[f.api_name])),
    ]);
    entries.push({
      files: { [`portal-records-${apiName}.csv`]: csv([...header, ...fields.map((f) => fieldLabel(p.t, p.lang, f))], lines) },
      about: p.t('privacy:export.readme.files.portalRecordsModule', { module: meta ? moduleLabel(p.t, p.lang, meta.module, 'plural') : apiName }),
    });
  }
  return {
    entries,
    shown: perAccount.flatMap((a) => a.shown),
    names: records.map((r): [string, string] => [r.id, r.name]),
  };
}

type MetaOf = (moduleId: string) => Promise<ModuleMeta | undefined>;

async function accountRecords(db: Database, p: Person, account: Account, metaOf: MetaOf) {
  const ctx = (await loadAccessContext(db, { portalUserId: account.id, portalId: account.portal_id })) ?? (await previewUserContext(db, account.id));
  const tabs = visibleTabs(ctx).filter((tab) => tab.kind !== 'public');
  const [scoped, created] = await Promise.all([
    Promise.all(tabs.map((tab) => allInScope(db, ctx, tab.moduleId))),
    // UNSCOPED READ: worker job: the records the person's own portal account created, for that person's export.
    db
      .selectFrom('records')
      .innerJoin('modules', 'modules.id', 'records.module_id')
      .selectAll('records')
      .select('modules.api_name')
      .where('records.created_by_portal_user_id', '=', account.id)
      .where('records.deleted_at', 'is', null)
      .orderBy('records.created_at')
      .orderBy('records.id')
      .execute(),
  ]);
  const apiNames = new Map(created.map((r) => [r.module_id, r.api_name]));
  const inScope = new Set(scoped.flat().map((r) => r.id));
  const reached = [...scoped.flat(), ...created.filter((c) => !inScope.has(c.id))].filter((r) => r.id !== p.subject.id);
  const byModule = groupBy(reached, (r: CrmRecord) => r.module_id);
  const records: PortalRecord[] = [];
  for (const [moduleId, rows] of byModule) {
    const meta = await metaOf(moduleId);
    const module = meta?.module.api_name ?? apiNames.get(moduleId) ?? '';
    const base = (r: CrmRecord) => ({
      portal_user_id: account.id,
      portal: account.portal,
      module,
      id: r.id,
      created_at: r.created_at,
      updated_at: r.updated_at,
      created_by_you: r.created_by_portal_user_id === account.id,
    });
    if (!ctx || !meta || !tabs.some((t) => t.moduleId === moduleId)) {
      // No tab of theirs shows the module: its fields, its name among them, are not theirs to read.
      records.push(...rows.map((r) => ({ ...base(r), name: '' })));
      continue;
    }
    const shown = rows.map((r) => {
      const mask = fieldMask(ctx, moduleId, r.layout_id);
      return { r, fields: meta.fields.filter((f) => mask.visible.has(f.id)), data: maskRecordData(mask, meta, r.data as Record<string, unknown>) };
    });
    const targets = await lookupTargets(db, ctx, collectLookupIds(meta, shown, meta.fields), () => '');
    const names = new Map([...targets].map(([id, target]) => [id, target.name]));
    for (const { r, fields, data } of shown) {
      records.push({ ...base(r), name: displayName(meta, data as RecordData), fields: exportFields(meta, fields, data, names) });
    }
  }
  return { records, shown: ctx ? tabs.map((tab): Shown => ({ ctx, tab })) : [] };
}

/** Every record of a module in the account's scope, a page per query. */
async function allInScope(db: Database, ctx: AccessContext | undefined, moduleId: string): Promise<CrmRecord[]> {
  const rows: CrmRecord[] = [];
  let after: { value: string | null; id: string } | undefined;
  do {
    const page = await pageInScope(db, ctx, moduleId, { dir: 'asc', limit: SCOPE_PAGE, after });
    rows.push(...page.rows);
    after = page.next;
  } while (after);
  return rows;
}

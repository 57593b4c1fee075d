import type { Actor } from '../audit/audit.js';
import { audit } from '../audit/audit.js';
import { snapshotFor } from '../db/config-snapshot.js';
import type { Database } from '../db/database.js';
import { isUuid } from '../http/input.js';

export const MAX_WEB_TABS = 10;

export type WebTab = { id: string; name: string; url: string; position: number };
export type WebTabErrors = Record<string, string>;

export function listWebTabs(db: Database, userTypeId: string): Promise<WebTab[]> {
  const snapshot = snapshotFor(db);
  if (snapshot) return Promise.resolve(snapshot.types.get(userTypeId)?.webTabs ?? []);
  return db
    .selectFrom('web_tabs')
    .select(['id', 'name', 'url', 'position'])
    .where('user_type_id', '=', userTypeId)
    .orderBy('position')
    .orderBy('name')
    .execute();
}

export async function findUserType(db: Database, id: string) {
  if (!isUuid(id)) return undefined;
  return db
    .selectFrom('portal_user_types as t')
    .innerJoin('portals as p', 'p.id', 't.portal_id')
    .innerJoin('modules as m', 'm.id', 't.base_module_id')
    .select(['t.id', 't.name', 't.portal_id', 'p.name as portal_name', 'p.slug', 'm.api_name as base_module'])
    .where('t.id', '=', id)
    .executeTakeFirst();
}

/** Web tabs open an outside page (a status page, a help centre) from the portal's tab bar: https only. */
export function validateWebTab(input: {
  name?: string | undefined;
  url?: string | undefined;
}): { ok: true; name: string; url: string } | { ok: false; errors: WebTabErrors } {
  const errors: WebTabErrors = {};
  const name = (input.name ?? '').trim();
  const url = (input.url ?? '').trim();
  if (!name) errors.name = 'errors:required';
  else if (name.length > 60) errors.name = 'errors:tooLong';
  if (!url) errors.url = 'errors:required';
  else if (!/^https:\/\//i.test(url) || !URL.canParse(url) || url.length > 2000) errors.url = 'portalconfig:webTabs.errors.url';
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, name, url };
}

export async function addWebTab(
  db: Database,
  actor: Actor,
  userTypeId: string,
  tab: { name: string; url: string },
): Promise<{ ok: true } | { ok: false; errors: WebTabErrors }> {
  return db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('web_tabs').select(['id', 'position']).where('user_type_id', '=', userTypeId).forUpdate().execute();
    if (existing.length >= MAX_WEB_TABS) return { ok: false as const, errors: { name: 'portalconfig:webTabs.errors.tooMany' } };
    const position = Math.max(-1, ...existing.map((e) => e.position)) + 1;
    await trx.insertInto('web_tabs').values({ user_type_id: userTypeId, name: tab.name, url: tab.url, position }).execute();
    await audit(trx, actor, 'portals.web_tab_add', { type: 'portal_user_type', id: userTypeId }, tab);
    return { ok: true as const };
  });
}

export async function removeWebTab(db: Database, actor: Actor, userTypeId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  return db.transaction().execute(async (trx) => {
    const removed = await trx.deleteFrom('web_tabs').where('id', '=', id).where('user_type_id', '=', userTypeId).returning(['name', 'url']).executeTakeFirst();
    if (removed) await audit(trx, actor, 'portals.web_tab_remove', { type: 'portal_user_type', id: userTypeId }, removed);
    return Boolean(removed);
  });
}

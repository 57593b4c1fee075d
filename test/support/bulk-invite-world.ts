import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.js';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { type Actor, createRecord, type RecordData } from '../../src/crm/records.js';
import { createPortal } from '../../src/portals/portals.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from './app.js';
import { acme, seedAcme } from './fixtures.js';
import { waitFor } from './wait.js';

// The world of the bulk-invitation suites: Acme with Ana signed in, one portal
// ("Acme Care") and its default user type, and helpers to make records, send
// batches and read their results. Each suite file starts its own world.

export type BulkInviteWorld = {
  t: TestApp;
  ana: BrowserClient;
  anaId: string;
  portalId: string;
  typeId: string;
  contacts: ModuleMeta;
  /** The invitation page of the portal. */
  base: string;
};

let w: BulkInviteWorld;

export async function startBulkInviteWorld(): Promise<BulkInviteWorld> {
  const t = await startTestApp({ worker: true });
  const anaId = (await seedAcme(t.db)).admin.id;
  const contacts = (await loadModuleMeta(t.db, 'contacts')) as ModuleMeta;
  w = { t, anaId, contacts } as BulkInviteWorld;
  w.ana = await signIn(acme.admin);
  const created = await createPortal(t.db, { kind: 'staff', id: anaId }, { name: 'Acme Care' });
  if (!created.ok) throw new Error('portal not created');
  w.portalId = created.portal.id;
  w.typeId = (await t.db.selectFrom('portal_user_types').select('id').where('portal_id', '=', w.portalId).executeTakeFirstOrThrow()).id;
  w.base = `/admin/settings/portals/${w.portalId}/invite`;
  return w;
}

export const paula = { email: 'paula@acme.example', name: 'Paula Portals', password: 'Portal-Users-55' };
export const carlos = { email: 'carlos@acme.example', name: 'Carlos Config', password: 'Portal-Config-66' };

export async function staffWithProfile(who: typeof paula, flags: { manage_portals: boolean; manage_portal_users: boolean }) {
  const profile = await w.t.db
    .insertInto('profiles')
    .values({ id: randomUUID(), api_name: `p_${who.email.split('@')[0]}`, label_key: null, name: who.name, ...flags })
    .returning('id')
    .executeTakeFirstOrThrow();
  await w.t.db
    .insertInto('profile_permissions')
    .values({ profile_id: profile.id, module_id: w.contacts.module.id, can_view: true, can_create: true })
    .execute();
  return w.t.db
    .insertInto('staff_users')
    .values({ email: who.email, name: who.name, password_hash: await hashPassword(who.password), profile_id: profile.id })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export async function signIn(who: { email: string; password: string }) {
  const client = browserClient(w.t.app);
  const res = await client.post('/admin/login', { email: who.email, password: who.password });
  expect(res.status).toBe(303);
  return client;
}

export const rec = async (data: RecordData, owner = w.anaId) =>
  (await createRecord(w.t.db, { kind: 'staff', id: owner } as Actor, w.contacts, { data, layoutId: w.contacts.defaultLayout?.id as string, ownerId: owner }))
    .id;

/** Rows written straight into the table, as a large import leaves them (no search text needed here). */
export async function bulkRecords(rows: { name: string; email?: string; deleted?: boolean; data?: RecordData }[]) {
  const values = rows.map((r) => ({
    module_id: w.contacts.module.id,
    layout_id: w.contacts.defaultLayout?.id as string,
    owner_id: w.anaId,
    created_by_staff_id: w.anaId,
    data: JSON.stringify({ last_name: r.name, ...(r.email ? { email: r.email } : {}), ...r.data }),
    display_name: r.name,
    deleted_at: r.deleted ? new Date() : null,
  }));
  const ids: string[] = [];
  for (let i = 0; i < values.length; i += 500) {
    ids.push(
      ...(
        await w.t.db
          .insertInto('records')
          .values(values.slice(i, i + 500))
          .returning('id')
          .execute()
      ).map((r) => r.id),
    );
  }
  return ids;
}

export const batchOf = (res: Response) => {
  const id = /\/batches\/([0-9a-f-]{36})$/.exec(res.headers.get('location') ?? '')?.[1];
  if (!id) throw new Error(`no batch in ${res.status} ${res.headers.get('location')}`);
  return id;
};

export async function finished(batchId: string) {
  await waitFor(
    async () => (await w.t.db.selectFrom('invitation_batches').select('status').where('id', '=', batchId).executeTakeFirstOrThrow()).status === 'done',
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  return w.t.db.selectFrom('invitation_batches').selectAll().where('id', '=', batchId).executeTakeFirstOrThrow();
}

export const results = (batchId: string) =>
  w.t.db.selectFrom('invitation_results').select(['record_id', 'outcome', 'reason']).where('batch_id', '=', batchId).execute();

/** The page's text without tags, spaces collapsed. */
export const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ');

import type { PgBoss } from 'pg-boss';
import { hashPassword } from '../auth/passwords.js';
import { loadModuleMeta, type ModuleMeta } from '../crm/metadata.js';
import { type Actor, createRecord, type RecordData } from '../crm/records.js';
import { addIndicator } from '../dashboards/indicators.js';
import type { Database } from '../db/database.js';
import { inviteMany } from '../invitations/invite.js';
import { saveCanvasDesign } from '../portals/canvas.js';
import { saveFieldPermissions } from '../portals/field-permissions.js';
import { createPortal } from '../portals/portals.js';
import { saveTabs, type TabInput, tabForm, tabOptions } from '../portals/tabs.js';
import { saveSignupSettings } from '../signup/settings.js';

// The demo's customer portal, so a newcomer sees both sides of Porta at once:
// a configured contact user type, two active customers of different companies
// whose data overlaps in products and public answers, a few pending
// invitations and a few refused ones with their reasons.

export const DEMO_PORTAL_SLUG = 'demo';
export const DEMO_PORTAL_PASSWORD = 'Portal-demo-2026';
/** The two active portal users, by the demo contacts' emails. */
export const DEMO_PORTAL_USERS = ['alice@acme.example', 'camille@globex.example'] as const;

type Deps = { db: Database; boss: PgBoss; baseUrl: string };

const TABS: Record<string, Partial<TabInput>> = {
  contacts: { edit: true },
  deals: { viewMode: 'canvas' },
  quotes: {},
  cases: { create: true, edit: true, notes: 'add', attachments: 'add' },
  solutions: {},
  products: {},
};

/** Visible fields per module, and which of them are read-only. */
const FIELDS: Record<string, { visible: string[]; readOnly?: string[] }> = {
  contacts: { visible: ['first_name', 'last_name', 'email', 'phone', 'mobile', 'language'], readOnly: ['email'] },
  deals: { visible: ['name', 'stage', 'amount', 'closing_date'] },
  quotes: { visible: ['subject', 'status', 'valid_until', 'line_items', 'subtotal', 'total'] },
  cases: { visible: ['subject', 'status', 'priority', 'description', 'contact', 'product'], readOnly: ['status'] },
  solutions: { visible: ['title', 'question', 'answer'] },
  products: { visible: ['name', 'code', 'unit_price', 'description'] },
};

/**
 * Creates the demo portal once, on the demo organization just seeded; does
 * nothing when a portal already exists. Returns whether it created it.
 */
export async function seedDemoPortal(deps: Deps, adminId: string): Promise<boolean> {
  const { db } = deps;
  if (await db.selectFrom('portals').select('id').executeTakeFirst()) return false;
  const actor: Actor = { kind: 'staff', id: adminId };
  const meta = async (name: string) => {
    const m = await loadModuleMeta(db, name);
    if (!m) throw new Error(`the standard module ${name} is missing`);
    return m;
  };
  const contacts = await meta('contacts');
  const deals = await meta('deals');
  const quotes = await meta('quotes');
  const cases = await meta('cases');
  const solutions = await meta('solutions');
  const products = await meta('products');
  const rec = async (m: ModuleMeta, data: RecordData) =>
    (await createRecord(db, actor, m, { data, layoutId: m.defaultLayout?.id ?? null, ownerId: adminId })).id;
  const contactId = async (email: string) => {
    // UNSCOPED READ: demo seeding (npm run seed:demo, or a demo start): finds the demo contacts by address; no request reaches it.
    const row = await db
      .selectFrom('records')
      .select('id')
      .where('module_id', '=', contacts.module.id)
      .where((eb) => eb(eb.ref('data', '->>').key('email'), '=', email))
      .executeTakeFirstOrThrow();
    return row.id;
  };
  const alice = await contactId(DEMO_PORTAL_USERS[0]);
  const camille = await contactId(DEMO_PORTAL_USERS[1]);

  const basic = await rec(products, { name: 'Porta Cloud Basic', code: 'PC-B', unit_price: 29, active: true });
  const pro = await rec(products, { name: 'Porta Cloud Pro', code: 'PC-P', unit_price: 99, active: true });
  const onboarding = await rec(products, { name: 'Onboarding package', code: 'ONB', unit_price: 500, active: true });
  await rec(deals, { name: 'Acme renewal 2027', stage: 'proposal', amount: 11880, closing_date: '2027-01-31', contact: alice });
  await rec(deals, { name: 'Acme support upgrade', stage: 'qualification', amount: 2400, closing_date: '2027-03-15', contact: alice });
  await rec(deals, { name: 'Globex expansion', stage: 'negotiation', amount: 8000, closing_date: '2027-02-28', contact: camille });
  const line = (product: string, quantity: number, unit_price: number) => ({ product, quantity, unit_price, description: null, discount: null });
  await rec(quotes, {
    subject: 'Acme Q-1001',
    status: 'delivered',
    valid_until: '2027-01-15',
    contact: alice,
    line_items: [line(pro, 10, 99), line(basic, 5, 29)],
  });
  await rec(quotes, {
    subject: 'Globex Q-1002',
    status: 'negotiation',
    valid_until: '2027-02-01',
    contact: camille,
    line_items: [line(pro, 5, 99), line(onboarding, 1, 500)],
  });
  await rec(cases, {
    subject: 'Invoice address is wrong',
    status: 'open',
    priority: 'medium',
    description: 'Our invoices still show the old street.',
    contact: alice,
    product: pro,
  });
  await rec(cases, { subject: 'Export to CSV', status: 'closed', priority: 'low', description: 'How do we export our contacts?', contact: alice });
  await rec(cases, {
    subject: 'Login from the new office',
    status: 'in_progress',
    priority: 'high',
    description: 'Single sign-on fails from Lyon.',
    contact: camille,
    product: pro,
  });
  await rec(solutions, {
    title: 'How do I reset my password?',
    question: 'I forgot my password.',
    answer: 'Use "Forgot your password?" on the sign-in page; the link arrives within a minute.',
  });
  await rec(solutions, {
    title: 'Where are my invoices?',
    question: 'Where can I find my invoices?',
    answer: 'Your contact at the company sends them; quotes are under Quotes.',
  });
  const insider = await rec(contacts, { first_name: 'Pat', last_name: 'Insider', email: 'pat@demo.example' });
  const throwaway = await rec(contacts, { first_name: 'Tom', last_name: 'Temp', email: 'tom@mailinator.com' });

  const created = await createPortal(db, actor, { name: 'Porta Demo Portal', slug: DEMO_PORTAL_SLUG });
  if (!created.ok) throw new Error('the demo portal could not be created');
  const type = await db.selectFrom('portal_user_types').select('id').where('portal_id', '=', created.portal.id).executeTakeFirstOrThrow();
  const saved = await saveCanvasDesign(db, actor, deals.module.id, deals.fields, {
    titleFieldId: deals.byName.get('name')?.id ?? null,
    subtitleFieldIds: [deals.byName.get('amount')?.id, deals.byName.get('closing_date')?.id].filter((id): id is string => Boolean(id)),
    badgeFieldId: deals.byName.get('stage')?.id ?? null,
  });
  if (!saved.ok) throw new Error('the demo card design was refused');
  const input = tabForm((await tabOptions(db, type.id)) ?? [], TABS);
  const tabs = await saveTabs(db, actor, type.id, input);
  if (!tabs.ok) throw new Error(`the demo tabs were refused: ${JSON.stringify(tabs.errors)}`);
  for (const m of [contacts, deals, quotes, cases, solutions, products]) {
    const spec = FIELDS[m.module.api_name] ?? { visible: [] };
    for (const layout of m.layouts) {
      const rows = m.fields.map((f) => ({ fieldId: f.id, visible: spec.visible.includes(f.api_name), readOnly: spec.readOnly?.includes(f.api_name) ?? false }));
      await saveFieldPermissions(db, actor, type.id, m.module.id, layout.id, rows);
    }
  }
  // The customer's home shows deals by stage, by owner, and cases by status.
  const id = (m: ModuleMeta, name: string) => m.byName.get(name)?.id ?? '';
  for (const indicator of [
    { moduleId: deals.module.id, measure: 'sum', sumFieldId: id(deals, 'amount'), groupBy: id(deals, 'stage') },
    { moduleId: deals.module.id, measure: 'count', sumFieldId: '', groupBy: 'owner' },
    { moduleId: cases.module.id, measure: 'count', sumFieldId: '', groupBy: id(cases, 'status') },
  ]) {
    const added = await addIndicator(db, actor, type.id, indicator);
    if (!added.ok) throw new Error(`a demo indicator was refused: ${JSON.stringify(added.errors)}`);
  }
  // Anyone may sign up as a customer; every sign-up waits for the demo administrator's approval.
  const signupFields = ['first_name', 'last_name', 'phone'].map((n) => id(contacts, n));
  const signup = await saveSignupSettings(db, actor, created.portal, { typeId: type.id, fieldIds: signupFields, ownerId: adminId, domains: '' });
  if (!signup.ok) throw new Error(`the demo sign-up settings were refused: ${JSON.stringify(signup.errors)}`);

  const bruno = await contactId('bruno@acme.example');
  const diego = await contactId('diego@globex.example');
  await inviteMany(deps, { userTypeId: type.id, staffId: adminId, recordIds: [alice, camille, bruno, diego, insider, throwaway] });
  const passwordHash = await hashPassword(DEMO_PORTAL_PASSWORD);
  const now = new Date();
  await db.transaction().execute(async (trx) => {
    const users = await trx.selectFrom('portal_users').select(['id', 'record_id']).where('record_id', 'in', [alice, camille]).execute();
    await trx
      .updateTable('portal_users')
      .set({ status: 'active', password_hash: passwordHash, activated_at: now, time_format: '24h', time_zone: 'Europe/Madrid', country: 'ES' })
      .where(
        'id',
        'in',
        users.map((u) => u.id),
      )
      .execute();
    await trx
      .updateTable('portal_invitations')
      .set({ accepted_at: now })
      .where(
        'portal_user_id',
        'in',
        users.map((u) => u.id),
      )
      .execute();
  });
  return true;
}

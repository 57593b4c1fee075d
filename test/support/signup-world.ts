import { expect } from 'vitest';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { createRecord, type RecordData } from '../../src/crm/records.js';
import type { Portal } from '../../src/db/schema.js';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { createPortal } from '../../src/portals/portals.js';
import { saveSignupSettings } from '../../src/signup/settings.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from './app.js';
import { acme, bruno, seedAcme, seedStandardUser } from './fixtures.js';

/**
 * The world of the sign-up suites: Acme (company domain acme.example) with
 * its "Acme Care" portal at /p/care, whose default contact type shows and
 * lets its users edit first name, last name, phone and language; sign-up on,
 * asking those four, owned by Ana. Requests carry a client address of their
 * own (TRUST_PROXY=1), so each test chooses where its attempts are counted.
 */
export type SignupWorld = {
  t: TestApp;
  anaId: string;
  brunoId: string;
  ana: BrowserClient;
  bruno: BrowserClient;
  visitor: BrowserClient;
  contacts: ModuleMeta;
  typeId: string;
  portal: () => Promise<Portal>;
};

export const SLUG = 'care';
export const PORTAL_PATH = `/p/${SLUG}`;
const ASKED = ['first_name', 'last_name', 'phone', 'language'];

export async function startSignupWorld(): Promise<SignupWorld> {
  const t = await startTestApp({ env: { TRUST_PROXY: '1' } });
  const anaId = (await seedAcme(t.db)).admin.id;
  const brunoId = (await seedStandardUser(t.db)).id;
  const contacts = (await loadModuleMeta(t.db, 'contacts')) as ModuleMeta;
  const staff = { kind: 'staff' as const, id: anaId };
  const created = await createPortal(t.db, staff, { name: 'Acme Care', slug: SLUG });
  if (!created.ok) throw new Error('no portal');
  const typeId = (await t.db.selectFrom('portal_user_types').select('id').where('portal_id', '=', created.portal.id).executeTakeFirstOrThrow()).id;
  const visible = [...ASKED, 'email'];
  for (const layout of contacts.layouts) {
    const rows = contacts.fields.map((f) => ({ fieldId: f.id, visible: visible.includes(f.api_name), readOnly: f.api_name === 'email' }));
    expect((await saveFieldPermissions(t.db, staff, typeId, contacts.module.id, layout.id, rows)).ok).toBe(true);
  }
  const fieldIds = ASKED.map((n) => contacts.byName.get(n)?.id ?? '');
  expect(await saveSignupSettings(t.db, staff, created.portal, { typeId, fieldIds, ownerId: anaId, domains: 'partner.example' })).toEqual({ ok: true });
  const ana = browserClient(t.app);
  expect((await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
  const staffBruno = browserClient(t.app);
  expect((await staffBruno.post('/admin/login', { email: bruno.email, password: bruno.password })).status).toBe(303);
  const portal = () => t.db.selectFrom('portals').selectAll().where('id', '=', created.portal.id).executeTakeFirstOrThrow();
  return { t, anaId, brunoId, ana, bruno: staffBruno, visitor: browserClient(t.app), contacts, typeId, portal };
}

let addressCounter = 0;
/** A client address no other test used. */
export const freshAddress = () => `198.51.100.${++addressCounter}`;

/** The sign-up form, posted from a client address. */
export function signUp(client: BrowserClient, form: Record<string, string>, address = freshAddress()) {
  return client.post(`${PORTAL_PATH}/signup`, form, { 'X-Forwarded-For': address });
}

export function enterCode(client: BrowserClient, email: string, code: string, address = freshAddress()) {
  return client.post(`${PORTAL_PATH}/signup/confirm`, { email, code }, { 'X-Forwarded-For': address });
}

/** The button of the page the emailed link opens: posts the link's id and code. */
export function pressConfirmLink(client: BrowserClient, link: string, address = freshAddress()) {
  const [, id = '', code = ''] = /\/confirm\/([^/]+)\/([^/]+)$/.exec(link) ?? [];
  return client.post(`${PORTAL_PATH}/signup/confirm/link`, { id, code }, { 'X-Forwarded-For': address });
}

export const person = (email: string, extra: Record<string, string> = {}) => ({
  email,
  first_name: 'Lucía',
  last_name: 'Gómez',
  phone: '+34 600 123 456',
  ...extra,
});

export const mailsTo = (t: TestApp, address: string) =>
  t.db.selectFrom('email_outbox').selectAll().where('to_address', '=', address).orderBy('created_at').execute();

/** The code and the confirming link of the latest code email to the address. */
export async function codeFor(t: TestApp, address: string) {
  const mails = (await mailsTo(t, address)).filter((m) => m.template === 'portal-signup' && /\/signup\/confirm\//.test(m.text));
  const text = mails.at(-1)?.text ?? '';
  const link = /\/p\/[a-z0-9-]+\/signup\/confirm\/[0-9a-f-]{36}\/\d{6}/.exec(text)?.[0] ?? '';
  return { code: link.slice(-6), link, mails };
}

export const signupsOf = (t: TestApp, email: string) =>
  t.db.selectFrom('portal_signups').selectAll().where('email', '=', email).orderBy('created_at').execute();

/** Signs up and confirms with the emailed code; the answer to the code. */
export async function signUpAndConfirm(w: SignupWorld, email: string, extra: Record<string, string> = {}) {
  expect((await signUp(w.visitor, person(email, extra))).status).toBe(200);
  const { code } = await codeFor(w.t, email);
  expect(code).toMatch(/^\d{6}$/);
  return enterCode(w.visitor, email, code);
}

export const contact = async (w: SignupWorld, data: RecordData) =>
  (await createRecord(w.t.db, { kind: 'staff', id: w.anaId }, w.contacts, { data, layoutId: w.contacts.defaultLayout?.id ?? null, ownerId: w.anaId })).id;

/** Text of a page with tags dropped. */
export const textOf = async (res: Response) =>
  (await res.text())
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

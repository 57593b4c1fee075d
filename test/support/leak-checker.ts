import { type BrowserClient, browserClient, startTestApp, type TestApp } from './app.js';
import { seedStandardUser, bruno as standardStaff } from './fixtures.js';
import { type Allowed, allowedFor, type Known, knownIds, leaksIn } from './leak-oracle.js';
import { type LeakUser, type LeakWorld, PORTAL_PASSWORD, refWorldOf, seedLeakWorld } from './leak-world.js';
import { htmlForms, submitForm, type Visit } from './portal-crawl.js';
import { prng } from './prng.js';

// What the leak checker's suites share: the seeded world, each user's
// allowances and walks, signing in, and the judge that compares an answer with
// what ACCESS.md's reference (test/unit/access-reference.ts) allows.

export let t: TestApp;
export let w: LeakWorld;
/** Each user's allowances, before and after their own walk (what they did themselves may add to them). */
export const allowances = new Map<string, Allowed[]>();
export let known: Known;
export const walks = new Map<string, Visit[]>();
/** The crafted requests' choices; a failing run names its seed, LEAK_SEED=<seed> replays it. */
export const SEED = Number(process.env.LEAK_SEED ?? 1402);
export const g = prng(SEED);
/** Each user's base module. */
const baseModules = new Map<string, string>();

/** Starts the product and seeds the leak world (each suite file seeds its own). */
export async function setupLeakChecker(): Promise<void> {
  t = await startTestApp();
  w = await seedLeakWorld(t);
  await seedStandardUser(t.db, standardStaff);
  known = await knownIds(t.db, w.markers);
  for (const u of await t.db.selectFrom('portal_users as u').innerJoin('records as r', 'r.id', 'u.record_id').select(['u.id', 'r.module_id']).execute())
    baseModules.set(u.id, u.module_id);
}

export async function allowedNow(user: LeakUser, portalId = user.portalId): Promise<Allowed> {
  return allowedFor(await refWorldOf(t.db), w.metas, user.id, portalId);
}

export async function signIn(user: LeakUser): Promise<BrowserClient> {
  const client = browserClient(t.app);
  const base = `/p/${user.slug}`;
  const page = await client.get(`${base}/login`);
  const form = htmlForms(await page.text()).find((f) => f.controls.some((c) => c.name === 'password'));
  if (!form) throw new Error(`no sign-in form on ${base}/login`);
  const filled = {
    ...form,
    controls: form.controls.map((c) => ({ ...c, value: c.name === 'email' ? user.email : c.name === 'password' ? PORTAL_PASSWORD : c.value })),
  };
  const { res } = await submitForm(client, filled, `${base}/login`);
  if (res.status !== 303 || (res.headers.get('Location') ?? '').includes('/login')) throw new Error(`${user.label} could not sign in (${res.status})`);
  return client;
}

/** What a user's own export may hold besides what their portal shows: all of their own record, its notes and files. */
export function ownRecordAllowance(world: Awaited<ReturnType<typeof refWorldOf>>, userId: string): Allowed {
  const own = world.users.find((u) => u.id === userId)?.recordId ?? '';
  const record = world.records.find((r) => r.id === own);
  const meta = [...w.metas.values()].find((m) => m.module.id === record?.moduleId);
  // Their record's lookups are part of it: the account they belong to, by name.
  const targets = (record?.refs ?? []).map((ref) => world.records.find((r) => r.id === ref.targetId)).filter((r) => r !== undefined);
  const nameKeys = targets.flatMap((r) => ([...w.metas.values()].find((m) => m.module.id === r.moduleId)?.module.name_fields ?? []).map((f) => `${r.id}:${f}`));
  return {
    records: new Set([own, ...targets.map((r) => r.id)]),
    markers: new Set([...(meta?.fields ?? []).map((f) => `${own}:${f.api_name}`), ...nameKeys]),
    notes: new Set(world.notes.filter((n) => n.recordId === own).map((n) => n.id)),
    attachments: new Set(world.attachments.filter((a) => a.recordId === own).map((a) => a.id)),
  };
}

export function subjectModule(userId: string): string | undefined {
  return baseModules.get(userId);
}

export async function signInAll(users: LeakUser[]): Promise<Map<string, BrowserClient>> {
  const out = new Map<string, BrowserClient>();
  for (const user of users) out.set(user.id, await signIn(user));
  return out;
}

/** The leaks in one answer: its body and where it sends the user. */
export function judge(label: string, method: string, url: string, res: { body: string; headers: Headers }, allowed: Allowed[]): string[] {
  // The ids the address itself carries are the asker's own words, not something received.
  const asked = new Set((url.match(UUID) ?? []).map((id) => id.toLowerCase()));
  const text = `${res.headers.get('Location') ?? ''}\n${res.headers.get('Content-Disposition') ?? ''}\n${res.body}`.replace(UUID, (id) =>
    asked.has(id.toLowerCase()) ? '' : id,
  );
  return leaksIn(text, known, allowed).map((leak) => `${label}: ${method} ${url} → ${leak}`);
}

export const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
export const HAS_UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

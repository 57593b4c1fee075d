import { sql } from 'kysely';
import type { AccessContext } from '../../src/access/context.js';
import { findInScope } from '../../src/access/engine.js';
import type { ModuleMeta } from '../../src/crm/metadata.js';
import type { RecordInput } from '../../src/crm/records.js';
import type { CrmRecord } from '../../src/db/schema.js';
import type { portalFormPage } from '../../src/portals/portal-forms.js';
import type { PortalWrite } from '../../src/portals/portal-writes.js';
import { type RefRecord, type RefUser, refInScope, refMask, refStandsFor } from '../unit/access-reference.js';
import { type RefEffect, type RefRefusal, type RefValues, type RefWriteOp, type RefWriteResult, refForm, refValueOf } from '../unit/access-reference-writes.js';
import type { AccessCase, GenModule } from './access-world.js';
import { startTestApp, type TestApp } from './app.js';
import { seedAcme } from './fixtures.js';
import type { Prng } from './prng.js';

// The shared state and checks of the portal-write properties
// (test/integration/access-write-properties.test.ts): what each write is
// compared on, what an accepted write must have stored, and how it is undone.

export let t: TestApp;
export let staffId: string;

export const BASE_SEED = Number(process.env.ACCESS_WRITE_SEED ?? 20270315);
export const CASES = Number(process.env.ACCESS_WRITE_CASES ?? 50);
export const FULL_RUN = CASES >= 50;

export type Area = 'who' | 'create' | 'edit' | 'delete' | 'clone' | 'note' | 'attachment' | 'signed-out' | 'crash';

/** Disagreements by area, grouped by what each side answered. */
export const findings = new Map<Area, Map<string, { count: number; example: string }>>();
/** How often the reference answered each way: `${area}:${outcome}`. */
export const seen = new Map<string, number>();
export const totals = { cases: 0, attempts: 0, accepted: 0, ms: 0 };

export function finding(area: Area, signature: string, example: string) {
  const byArea = findings.get(area) ?? new Map<string, { count: number; example: string }>();
  findings.set(area, byArea);
  const f = byArea.get(signature);
  if (f) f.count++;
  else byArea.set(signature, { count: 1, example });
}

export function tally(area: Area, outcomes: string[]) {
  for (const o of outcomes) seen.set(`${area}:${o}`, (seen.get(`${area}:${o}`) ?? 0) + 1);
}

export const report = (area: Area) => [...(findings.get(area) ?? [])].map(([sig, f]) => `${sig} (×${f.count}) e.g. ${f.example}`);

/** The engine's answer to one write, in the reference's terms. */
export type Answer = { ok: true; recordId?: string } | { ok: false; status: number; refusal?: string; fields: string[]; errors: string[] };

export const FORM_REFUSALS: ReadonlySet<RefRefusal> = new Set(['hidden_field', 'read_only_field', 'layout_not_allowed']);

export function disagreement(ref: RefWriteResult, got: Answer): boolean {
  if (ref.ok !== got.ok) return true;
  if (ref.ok || got.ok) return false;
  if (ref.status !== got.status) return true;
  if (ref.status !== 422) return false;
  const formLevel = ref.reasons.filter((r) => FORM_REFUSALS.has(r));
  if (formLevel.length) return !formLevel.includes(got.refusal as RefRefusal);
  return got.refusal !== undefined || sorted(ref.fields).join() !== sorted(got.fields).join();
}

export const sorted = (xs: Iterable<string>) => [...xs].sort();

export type Run = {
  c: AccessCase;
  g: Prng;
  metas: Map<string, ModuleMeta>;
  baseline: string;
};

export type Who = { u: RefUser; ctx: AccessContext };

/** A field's part in its module, to group findings by: F(M), another lookup, or text; * when required. */
export function kindOf(run: Run, who: Who, moduleId: string, fieldId: string): string {
  const type = run.c.world.types.find((ty) => ty.id === who.u.typeId);
  const filter = type?.tabs.find((tab) => tab.moduleId === moduleId)?.filterFieldId;
  const field = run.c.world.fields.find((f) => f.id === fieldId);
  const kind = fieldId === filter ? 'F(M)' : field?.lookup ? 'lookup' : 'text';
  return `${kind}${run.c.world.requiredFields.has(fieldId) ? '*' : ''}`;
}

export function describeRef(ref: RefWriteResult) {
  return ref.ok ? 'allows' : `refuses ${ref.status} ${ref.reasons.join('+')}`;
}

export function describeAnswer(got: Answer) {
  if (got.ok) return 'accepts';
  return [`refuses ${got.status}`, got.refusal, got.errors.length ? `[${sorted(got.errors).join(', ')}]` : undefined].filter(Boolean).join(' ');
}

/** Everything a write could touch in the case's modules, as one value. */
export async function fingerprint(run: Run): Promise<string> {
  const ids = run.c.modules.map((m) => m.id);
  const inCase = sql`r.module_id in (${sql.join(ids)})`;
  const { rows } = await sql<Record<string, string>>`
    select
      (select md5(coalesce(string_agg(concat_ws('|', r.id, r.version, r.data::text, r.deleted_at, r.state, r.layout_id, r.owner_id, r.created_by_portal_user_id), ',' order by r.id), ''))
         from records r where ${inCase}) as records,
      (select md5(coalesce(string_agg(concat_ws('|', rr.record_id, rr.field_id, rr.target_id), ',' order by rr.record_id, rr.field_id, rr.target_id), ''))
         from record_refs rr join records r on r.id = rr.record_id where ${inCase}) as refs,
      (select count(*) from notes n join records r on r.id = n.record_id where ${inCase}) as notes,
      (select count(*) from attachments a join records r on r.id = a.record_id where ${inCase}) as attachments,
      (select count(*) from record_changes ch join records r on r.id = ch.record_id where ${inCase}) as changes`.execute(t.db);
  return JSON.stringify(rows[0]);
}

/** The form as posted: a lookup by the id chosen (`<field>__id`), one left empty with a name typed, which is never resolved. */
export function toForm(meta: ModuleMeta, values: RefValues, typed: (fieldId: string) => string) {
  const input: RecordInput = {};
  const present = new Set<string>();
  for (const [fieldId, value] of values) {
    const f = meta.byId.get(fieldId);
    if (!f) continue;
    present.add(f.api_name);
    input[f.api_name] = f.type === 'lookup' ? (value ? { text: '', id: value } : { text: typed(fieldId) }) : value;
  }
  return { input, present };
}

/**
 * A name to type into an empty lookup: the stored display name of a target
 * other than R_U, one U reaches when there is one, so that resolving it by
 * name would store a target the form never chose.
 */
export function typedName(run: Run, who: Who, fieldId: string): string {
  const { world, displayNames } = run.c;
  const target = world.fields.find((f) => f.id === fieldId)?.target;
  const candidates = world.records.filter((r) => r.moduleId === target && r.id !== who.u.recordId && !r.deleted);
  const named = candidates.find((r) => refInScope(world, who.u.id, who.u.portalId, r.moduleId, r)) ?? candidates[0];
  return named ? (displayNames.get(named.id) as string) : '';
}

export function fromWrite(meta: ModuleMeta, res: PortalWrite, naming: (fieldId: string) => string): Answer {
  if (res.ok) return { ok: true, recordId: res.record.id };
  if (res.status !== 422) return { ok: false, status: res.status, fields: [], errors: [] };
  const entries = Object.entries(res.errors).map(([api, key]) => ({ id: meta.byName.get(api)?.id ?? api, key }));
  return {
    ok: false,
    status: 422,
    refusal: res.refusal,
    fields: entries.map((e) => e.id),
    errors: entries.map((e) => `${naming(e.id)}: ${e.key.replace(/^.*[:.]/, '')}`),
  };
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const PDF = new TextEncoder().encode('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n');
export const timeZone = 'UTC';

/** Starts the app and seeds the organization whose admin owns the generated records. */
export async function startAccessWriteApp() {
  t = await startTestApp();
  staffId = (await seedAcme(t.db)).admin.id;
}

/** The cases of the product's decisions a write meets, so that a full run shows it met each of them. */
export function notable(run: Run, who: Who, m: GenModule, op: RefWriteOp, ref: RefWriteResult): string[] {
  const { world } = run.c;
  const type = world.types.find((ty) => ty.id === who.u.typeId);
  const out: string[] = [];
  if (ref.ok && ref.effect.filter && type) {
    const target = world.records.find((r) => r.id === ref.effect.filter?.targetId);
    const xu = refStandsFor(world, who.u, type);
    if (!target || !xu.has(target.id)) out.push('F(M) kept outside X_U');
    else if (target.id !== who.u.recordId) {
      out.push('F(M) another record of X_U');
      if (!refInScope(world, who.u.id, who.u.portalId, type.baseModuleId, target)) out.push('F(M) in X_U outside the base tab');
    }
  }
  if (!ref.ok && ref.reasons.includes('read_only_field') && 'values' in op) {
    const layoutId = op.op === 'create' ? op.layoutId : world.records.find((r) => r.id === op.recordId)?.layoutId;
    const form = layoutId ? refForm(world, who.u.id, who.u.portalId, m.id, layoutId) : undefined;
    const flagged = layoutId ? refMask(world, who.u.id, who.u.portalId, m.id, layoutId).readOnly : new Set<string>();
    const named = [...op.values].filter(([id]) => form?.readOnly.has(id) && !flagged.has(id));
    if (named.length) out.push(named.some(([, v]) => v === '') ? 'unreachable lookup named empty' : 'unreachable lookup named');
  }
  return out;
}

/** A submitted value as the reference sees it: text, or which record a lookup names. */
export function valueLabel(run: Run, who: Who, v: string): string {
  const { world } = run.c;
  const r = world.records.find((x) => x.id === v);
  const type = world.types.find((ty) => ty.id === who.u.typeId);
  if (!r || !type) return UUID.test(v) ? 'an unknown id' : JSON.stringify(v);
  const baseTab = refInScope(world, who.u.id, who.u.portalId, type.baseModuleId, r) ? 'in the base tab' : 'outside the base tab';
  if (r.id === who.u.recordId) return `R_U (${baseTab})`;
  if (refStandsFor(world, who.u, type).has(r.id)) return `X_U (${baseTab})`;
  if (r.moduleId === type.baseModuleId) return r.createdBy === who.u.id ? 'a record U created, in the recycle bin' : 'another record of B';
  return 'a record of another module';
}

export async function effectProblems(
  run: Run,
  who: Who,
  m: GenModule,
  meta: ModuleMeta,
  effect: RefEffect,
  got: Answer,
  before: CrmRecord | undefined,
  clonePage: Awaited<ReturnType<typeof portalFormPage>>,
): Promise<string[]> {
  const problems: string[] = [];
  const api = (fieldId: string) => meta.byId.get(fieldId)?.api_name as string;
  const naming = (fieldId: string) => kindOf(run, who, m.id, fieldId);
  if (effect.op === 'create' || effect.op === 'edit') {
    const id = got.ok ? got.recordId : undefined;
    const row = id ? await t.db.selectFrom('records').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
    if (!row) return ['no record was written'];
    const data = row.data as Record<string, unknown>;
    const refs = await t.db.selectFrom('record_refs').select(['field_id', 'target_id']).where('record_id', '=', row.id).execute();
    for (const [fieldId, value] of effect.written) if ((data[api(fieldId)] ?? null) !== value) problems.push(`${naming(fieldId)} not stored as submitted`);
    const old = effect.op === 'edit' ? run.c.world.records.find((r) => r.id === effect.recordId) : undefined;
    for (const fieldId of effect.kept) {
      const expected = old ? refValueOf(old, fieldId) : null;
      if ((data[api(fieldId)] ?? null) !== expected) problems.push(`${naming(fieldId)} the form cannot set was ${old ? 'changed' : 'set'}`);
    }
    if (effect.filter) {
      const { fieldId, targetId } = effect.filter;
      if (data[api(fieldId)] !== targetId || !refs.some((r) => r.field_id === fieldId && r.target_id === targetId)) problems.push('F(M) not set as forced');
    }
    if (effect.op === 'create') {
      if (row.module_id !== m.id || row.layout_id !== effect.layoutId) problems.push('created in another module or layout');
      if (row.owner_id !== effect.ownerId) problems.push('the owner is not S');
      if (row.created_by_portal_user_id !== effect.createdBy) problems.push('created_by_portal_user is not U');
      const created: RefRecord = {
        id: row.id,
        moduleId: m.id,
        layoutId: row.layout_id,
        deleted: false,
        state: row.state,
        createdBy: who.u.id,
        refs: effect.filter ? [{ fieldId: effect.filter.fieldId, targetId: effect.filter.targetId }] : [],
      };
      const world = { ...run.c.world, records: [...run.c.world.records, created] };
      const reaches = refInScope(world, who.u.id, who.u.portalId, m.id, created);
      if ((await findInScope(t.db, who.ctx, m.id, row.id)) === undefined && reaches) problems.push('U does not reach the record U created');
    } else if (row.version !== (before?.version ?? 0) + 1) problems.push('the version did not move on by one');
  }
  if (effect.op === 'delete') {
    const row = await t.db
      .selectFrom('records')
      .select('deleted_at')
      .where('id', '=', effect.recordId as string)
      .executeTakeFirst();
    if (!row?.deleted_at) problems.push('the record is not in the recycle bin');
  }
  if (effect.op === 'note' || effect.op === 'attachment') {
    const rows = await t.db
      .selectFrom(effect.op === 'note' ? 'notes' : 'attachments')
      .select(['author_kind', 'author_id', 'internal'])
      .where('record_id', '=', effect.recordId as string)
      .where('author_kind', '=', 'portal')
      .execute();
    if (rows.length !== 1 || rows[0]?.author_id !== who.u.id || rows[0]?.internal) problems.push(`the ${effect.op} is not U's, or is internal`);
  }
  if (effect.op === 'clone' && clonePage) {
    const layoutId = clonePage.form.layout?.id;
    const start = layoutId ? effect.prefill?.get(layoutId) : undefined;
    if (!start) problems.push('the copy opens in a layout U may not create in');
    else {
      if (effect.layoutId !== undefined && layoutId !== effect.layoutId) problems.push("the copy does not open in the source's layout");
      const values = new Map(Object.entries(clonePage.values).map(([name, value]) => [meta.byName.get(name)?.id ?? name, value]));
      for (const [fieldId, value] of values)
        if (start.get(fieldId) !== value) problems.push(`the copy starts with ${naming(fieldId)}, not a visible value of the source`);
      for (const fieldId of start.keys()) if (!values.has(fieldId)) problems.push(`the copy does not start with ${naming(fieldId)} of the source`);
    }
  }
  return problems;
}

/** Puts back what an accepted write changed, so the next attempt meets the generated data. */
export async function undo(
  op: RefWriteOp,
  got: Answer,
  before: CrmRecord | undefined,
  beforeRefs: { record_id: string; field_id: string; target_id: string }[],
) {
  if (op.op === 'create' && got.ok && got.recordId) await t.db.deleteFrom('records').where('id', '=', got.recordId).execute();
  if ((op.op === 'edit' || op.op === 'delete') && before) {
    await t.db
      .updateTable('records')
      .set({ data: JSON.stringify(before.data), version: before.version, deleted_at: before.deleted_at, display_name: before.display_name })
      .where('id', '=', before.id)
      .execute();
    await t.db.deleteFrom('record_refs').where('record_id', '=', before.id).execute();
    if (beforeRefs.length) await t.db.insertInto('record_refs').values(beforeRefs).execute();
    await t.db.deleteFrom('record_changes').where('record_id', '=', before.id).execute();
  }
  if (op.op === 'note' || op.op === 'attachment') {
    await t.db
      .deleteFrom(op.op === 'note' ? 'notes' : 'attachments')
      .where('record_id', '=', op.recordId)
      .where('author_kind', '=', 'portal')
      .execute();
    // Its entry in the record's history (generated records start with none).
    await t.db.deleteFrom('record_changes').where('record_id', '=', op.recordId).execute();
  }
}

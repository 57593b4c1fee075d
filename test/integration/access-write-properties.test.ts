import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccessContext, loadAccessContext } from '../../src/access/context.js';
import { findInScope } from '../../src/access/engine.js';
import { PORTAL_COOKIE } from '../../src/auth/portal-session.js';
import { createSession, generateSessionToken } from '../../src/auth/sessions.js';
import { loadModuleMetaById, type ModuleMeta } from '../../src/crm/metadata.js';
import type { RecordInput } from '../../src/crm/records.js';
import type { CrmRecord } from '../../src/db/schema.js';
import { portalFormPage } from '../../src/portals/portal-forms.js';
import {
  addPortalAttachment,
  addPortalNote,
  createPortalRecord,
  deletePortalRecord,
  type PortalWrite,
  updatePortalRecord,
} from '../../src/portals/portal-writes.js';
import { type AccessCase, type GenModule, generateAccessCase } from '../support/access-world.js';
import { browserClient, startTestApp, type TestApp } from '../support/app.js';
import { seedAcme } from '../support/fixtures.js';
import { type Prng, prng } from '../support/prng.js';
import {
  type RefEffect,
  type RefRecord,
  type RefRefusal,
  type RefUser,
  type RefValues,
  type RefWriteOp,
  type RefWriteResult,
  refCreatableLayouts,
  refForm,
  refGetsAnything,
  refInScope,
  refMask,
  refStandsFor,
  refValueOf,
  refWrite,
} from '../unit/access-reference.js';

// Every write a portal user makes — create, edit, delete, clone, notes, files —
// asked of the write path and of the reference over generated configurations.
// Each accepted write is checked for what it stored and then undone, so every
// attempt meets the same data; a refused one must leave everything as it was.

let t: TestApp;
let staffId: string;

const BASE_SEED = Number(process.env.ACCESS_WRITE_SEED ?? 20270315);
const CASES = Number(process.env.ACCESS_WRITE_CASES ?? 50);
const FULL_RUN = CASES >= 50;

type Area = 'who' | 'create' | 'edit' | 'delete' | 'clone' | 'note' | 'attachment' | 'signed-out' | 'crash';

/** Disagreements by area, grouped by what each side answered. */
const findings = new Map<Area, Map<string, { count: number; example: string }>>();
/** How often the reference answered each way: `${area}:${outcome}`. */
const seen = new Map<string, number>();
const totals = { cases: 0, attempts: 0, accepted: 0, ms: 0 };

function finding(area: Area, signature: string, example: string) {
  const byArea = findings.get(area) ?? new Map<string, { count: number; example: string }>();
  findings.set(area, byArea);
  const f = byArea.get(signature);
  if (f) f.count++;
  else byArea.set(signature, { count: 1, example });
}

function tally(area: Area, outcomes: string[]) {
  for (const o of outcomes) seen.set(`${area}:${o}`, (seen.get(`${area}:${o}`) ?? 0) + 1);
}

const report = (area: Area) => [...(findings.get(area) ?? [])].map(([sig, f]) => `${sig} (×${f.count}) e.g. ${f.example}`);

/** The engine's answer to one write, in the reference's terms. */
type Answer = { ok: true; recordId?: string } | { ok: false; status: number; refusal?: string; fields: string[]; errors: string[] };

const FORM_REFUSALS: ReadonlySet<RefRefusal> = new Set(['hidden_field', 'read_only_field', 'layout_not_allowed']);

function disagreement(ref: RefWriteResult, got: Answer): boolean {
  if (ref.ok !== got.ok) return true;
  if (ref.ok || got.ok) return false;
  if (ref.status !== got.status) return true;
  if (ref.status !== 422) return false;
  const formLevel = ref.reasons.filter((r) => FORM_REFUSALS.has(r));
  if (formLevel.length) return !formLevel.includes(got.refusal as RefRefusal);
  return got.refusal !== undefined || sorted(ref.fields).join() !== sorted(got.fields).join();
}

const sorted = (xs: Iterable<string>) => [...xs].sort();

type Run = {
  c: AccessCase;
  g: Prng;
  metas: Map<string, ModuleMeta>;
  baseline: string;
};

type Who = { u: RefUser; ctx: AccessContext };

/** A field's part in its module, to group findings by: F(M), another lookup, or text; * when required. */
function kindOf(run: Run, who: Who, moduleId: string, fieldId: string): string {
  const type = run.c.world.types.find((ty) => ty.id === who.u.typeId);
  const filter = type?.tabs.find((tab) => tab.moduleId === moduleId)?.filterFieldId;
  const field = run.c.world.fields.find((f) => f.id === fieldId);
  const kind = fieldId === filter ? 'F(M)' : field?.lookup ? 'lookup' : 'text';
  return `${kind}${run.c.world.requiredFields.has(fieldId) ? '*' : ''}`;
}

function describeRef(ref: RefWriteResult) {
  return ref.ok ? 'allows' : `refuses ${ref.status} ${ref.reasons.join('+')}`;
}

function describeAnswer(got: Answer) {
  if (got.ok) return 'accepts';
  return [`refuses ${got.status}`, got.refusal, got.errors.length ? `[${sorted(got.errors).join(', ')}]` : undefined].filter(Boolean).join(' ');
}

/** Everything a write could touch in the case's modules, as one value. */
async function fingerprint(run: Run): Promise<string> {
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
function toForm(meta: ModuleMeta, values: RefValues, typed: (fieldId: string) => string) {
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
function typedName(run: Run, who: Who, fieldId: string): string {
  const { world, displayNames } = run.c;
  const target = world.fields.find((f) => f.id === fieldId)?.target;
  const candidates = world.records.filter((r) => r.moduleId === target && r.id !== who.u.recordId && !r.deleted);
  const named = candidates.find((r) => refInScope(world, who.u.id, who.u.portalId, r.moduleId, r)) ?? candidates[0];
  return named ? (displayNames.get(named.id) as string) : '';
}

function fromWrite(meta: ModuleMeta, res: PortalWrite, naming: (fieldId: string) => string): Answer {
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PDF = new TextEncoder().encode('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n');
const timeZone = 'UTC';

/** One write asked of both sides; an accepted one is checked and undone, a refused one must have written nothing. */
async function attempt(run: Run, who: Who, area: Area, m: GenModule, op: RefWriteOp, label: string) {
  const { world } = run.c;
  const ref = refWrite(world, who.u.id, who.u.portalId, m.id, op);
  tally(area, [...(ref.ok ? ['allowed'] : ref.reasons), ...notable(run, who, m, op, ref)]);
  totals.attempts++;
  const meta = run.metas.get(m.id) as ModuleMeta;
  const naming = (fieldId: string) => kindOf(run, who, m.id, fieldId);
  const recordId = 'recordId' in op ? op.recordId : 'sourceId' in op ? op.sourceId : undefined;
  const stored = recordId !== undefined && UUID.test(recordId);
  const before = stored ? await t.db.selectFrom('records').selectAll().where('id', '=', recordId).executeTakeFirst() : undefined;
  const beforeRefs = stored ? await t.db.selectFrom('record_refs').selectAll().where('record_id', '=', recordId).execute() : [];
  let got: Answer;
  let clonePage: Awaited<ReturnType<typeof portalFormPage>> | undefined;
  switch (op.op) {
    case 'create':
    case 'edit': {
      const { input, present } = toForm(meta, op.values, (fieldId) => typedName(run, who, fieldId));
      const res =
        op.op === 'create'
          ? await createPortalRecord(t.db, who.ctx, m.apiName, async () => ({ input, present, layoutId: op.layoutId }), { timeZone })
          : await updatePortalRecord(t.db, who.ctx, m.apiName, op.recordId, async () => ({ input, present, version: op.version }), { timeZone });
      got = fromWrite(meta, res, naming);
      break;
    }
    case 'delete':
    case 'note':
    case 'attachment': {
      const res =
        op.op === 'delete'
          ? await deletePortalRecord(t.db, who.ctx, m.apiName, op.recordId)
          : op.op === 'note'
            ? await addPortalNote(t.db, who.ctx, m.apiName, op.recordId, 'Written from the portal')
            : await addPortalAttachment(t.db, who.ctx, m.apiName, op.recordId, { name: 'receipt.pdf', bytes: PDF });
      got = res.ok ? { ok: true } : { ok: false, status: res.status, fields: [], errors: [] };
      break;
    }
    case 'clone': {
      clonePage = await portalFormPage(t.db, who.ctx, m.apiName, {
        cloneId: op.sourceId,
        layoutId: before?.layout_id ?? undefined,
        href: (a, id) => `/${a}/${id}`,
      });
      got = clonePage ? { ok: true } : { ok: false, status: 404, fields: [], errors: [] };
      break;
    }
  }
  const values = 'values' in op ? [...op.values].map(([id, v]) => `${naming(id)}=${valueLabel(run, who, v)}`).join(' ') : '';
  const example = () =>
    `seed ${run.c.seed}, user ${who.u.id.slice(0, 8)} (${who.u.status}), ${m.role} module ${m.apiName}, ${label}${values ? `, form {${values}}` : ''}: reference ${describeRef(ref)}${ref.ok ? '' : ` [${ref.fields.map(naming).join(', ')}]`}, engine ${describeAnswer(got)}`;
  if (disagreement(ref, got)) finding(area, `reference ${describeRef(ref)} / engine ${describeAnswer(got)}`, example());
  if (got.ok) {
    totals.accepted++;
    if (ref.ok) {
      const problems = await effectProblems(run, who, m, meta, ref.effect, got, before, clonePage);
      for (const p of problems) finding(area, `accepted, but ${p}`, example());
    }
    await undo(op, got, before, beforeRefs);
    if (op.op === 'clone' && clonePage && ref.ok) await submitClone(run, who, m, clonePage);
  }
  const after = await fingerprint(run);
  if (after !== run.baseline) {
    finding(area, got.ok ? 'an accepted write changed more than its own record' : 'a refused write changed data', example());
    run.baseline = after;
  }
}

/** The cases of the product's decisions a write meets, so that a full run shows it met each of them. */
function notable(run: Run, who: Who, m: GenModule, op: RefWriteOp, ref: RefWriteResult): string[] {
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
function valueLabel(run: Run, who: Who, v: string): string {
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

async function effectProblems(
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
async function undo(op: RefWriteOp, got: Answer, before: CrmRecord | undefined, beforeRefs: { record_id: string; field_id: string; target_id: string }[]) {
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

/** Saving the copy: its form as drawn. */
async function submitClone(run: Run, who: Who, m: GenModule, page: NonNullable<Awaited<ReturnType<typeof portalFormPage>>>) {
  const values: RefValues = new Map();
  for (const f of page.form.editable) {
    const v = page.values[f.api_name];
    values.set(f.id, typeof v === 'string' ? v : '');
  }
  await attempt(run, who, 'create', m, { op: 'create', layoutId: page.form.layout?.id as string, values }, 'saving a copy');
}

/**
 * A form as the portal draws it (every field it lets U set; on an edit, its
 * lookups at their stored targets more often than not), sometimes crafted to
 * name a hidden or a read-only field.
 */
function submission(run: Run, who: Who, m: GenModule, layoutId: string, existing?: RefRecord): RefValues {
  const { g, c } = run;
  const { world } = c;
  const type = world.types.find((ty) => ty.id === who.u.typeId);
  const tab = type?.tabs.find((x) => x.moduleId === m.id);
  const filter = tab?.kind === 'related' ? tab.filterFieldId : null;
  const form = refForm(world, who.u.id, who.u.portalId, m.id, layoutId);
  const flagged = refMask(world, who.u.id, who.u.portalId, m.id, layoutId).readOnly;
  const fields = world.fields.filter((f) => f.moduleId === m.id);
  const standsFor = type ? [...refStandsFor(world, who.u, type)].filter((id) => id !== who.u.recordId) : [];
  const base = world.records.filter((r) => r.moduleId === type?.baseModuleId);
  const filterValue = (stored: string | null) => {
    if (stored && g.chance(0.35)) return stored;
    const roll = g.next();
    if (roll < 0.25) return who.u.recordId;
    if (roll < 0.45 && standsFor.length) return g.pick(standsFor);
    if (roll < 0.52)
      return g.pick(
        base
          .filter((r) => r.deleted && r.createdBy === who.u.id)
          .map((r) => r.id)
          .concat(who.u.recordId),
      );
    if (roll < 0.75) return g.pick(base).id;
    if (roll < 0.85) return '';
    return g.chance(0.5) ? g.pick(world.records).id : g.uuid();
  };
  const lookupValue = (target: string | undefined, stored: string | null) => {
    if (stored && g.chance(0.5)) return stored;
    const targets = world.records.filter((r) => r.moduleId === target);
    const reachable = targets.filter((r) => refInScope(world, who.u.id, who.u.portalId, r.moduleId, r));
    const roll = g.next();
    if (roll < 0.45) return '';
    if (roll < 0.8 && reachable.length) return g.pick(reachable).id;
    if (roll < 0.95 && targets.length) return g.pick(targets).id;
    return g.uuid();
  };
  const text = () => (g.chance(0.7) ? `w${g.int(1000)}` : g.chance(0.5) ? '' : '   ');
  const values: RefValues = new Map();
  for (const id of form.editable) {
    const f = fields.find((x) => x.id === id) as (typeof fields)[number];
    const stored = existing ? refValueOf(existing, id) : null;
    values.set(id, id === filter ? filterValue(stored) : f.lookup ? lookupValue(f.target, stored) : text());
  }
  const hidden = fields.filter((f) => !form.visible.has(f.id));
  const readOnly = fields.filter((f) => form.readOnly.has(f.id));
  // Lookups read-only only because their targets are out of U's reach, named more often: they are rarer.
  const unreachable = readOnly.filter((f) => !flagged.has(f.id));
  if (hidden.length && g.chance(0.15)) {
    const f = g.pick(hidden);
    values.set(f.id, f.lookup ? who.u.recordId : 'crafted');
  }
  // A read-only name is refused even empty.
  if (readOnly.length && g.chance(0.15)) {
    const f = g.pick(readOnly);
    values.set(f.id, g.chance(0.5) ? '' : f.lookup ? who.u.recordId : 'crafted');
  } else if (unreachable.length && g.chance(0.5)) values.set(g.pick(unreachable).id, g.chance(0.5) ? '' : who.u.recordId);
  return values;
}

async function userWrites(run: Run, who: Who) {
  const { g, c } = run;
  const { world } = c;
  const type = world.types.find((ty) => ty.id === who.u.typeId);
  for (const m of c.modules) {
    const tab = type?.tabs.find((x) => x.moduleId === m.id);
    const otherLayouts = c.modules.filter((x) => x.id !== m.id).flatMap((x) => x.layouts);
    // Three forms where the configuration lets U create at all, one elsewhere.
    const creatable = refCreatableLayouts(world, who.u.id, who.u.portalId, m.id);
    for (let i = 0; i < (tab?.shown && tab.canCreate ? 3 : 1); i++) {
      const roll = g.next();
      const layoutId =
        roll < 0.5 && creatable.length
          ? g.pick(creatable)
          : roll < 0.7 && tab?.layoutIds.length
            ? g.pick(tab.layoutIds)
            : roll < 0.88
              ? g.pick(m.layouts)
              : roll < 0.96
                ? g.pick(otherLayouts)
                : g.uuid();
      await attempt(run, who, 'create', m, { op: 'create', layoutId, values: submission(run, who, m, layoutId) }, `create in ${layoutId.slice(0, 8)}`);
    }
    // F(M) chosen among the other records U stands for, in a layout U may create in.
    const others = type && tab?.kind === 'related' && tab.filterFieldId ? [...refStandsFor(world, who.u, type)].filter((id) => id !== who.u.recordId) : [];
    if (others.length && creatable.length && tab?.filterFieldId) {
      const layoutId = g.pick(creatable);
      const values = submission(run, who, m, layoutId);
      if (values.has(tab.filterFieldId)) values.set(tab.filterFieldId, g.pick(others));
      await attempt(run, who, 'create', m, { op: 'create', layoutId, values }, `create in ${layoutId.slice(0, 8)} for another record of X_U`);
    }
    // Every record U reaches, twice; the others of M, another module's and unknown ids now and then.
    const reached = world.records.filter((r) => refInScope(world, who.u.id, who.u.portalId, m.id, r)).map((r) => r.id);
    const unreached = world.records.filter((r) => r.moduleId === m.id && !reached.includes(r.id)).map((r) => r.id);
    const ids = [
      ...reached,
      ...reached,
      ...g.subset(unreached, 0.3),
      g.pick(world.records.filter((r) => r.moduleId !== m.id)).id,
      ...(g.chance(0.3) ? [g.uuid()] : []),
      ...(g.chance(0.05) ? ['not-a-record'] : []),
    ];
    for (const id of ids) {
      const r = world.records.find((x) => x.id === id);
      const where = r
        ? `${r.moduleId === m.id ? '' : 'another module’s '}record ${id.slice(0, 8)} (${[
            r.state,
            r.deleted ? 'recycle bin' : '',
            r.id === who.u.recordId ? 'R_U' : '',
            !reached.includes(id) && world.users.some((x) => x.portalId !== who.u.portalId && refInScope(world, x.id, x.portalId, m.id, r))
              ? 'reached in the other portal'
              : '',
          ]
            .filter(Boolean)
            .join(', ')})`
        : `unknown id ${id.slice(0, 8)}`;
      const roll = g.next();
      if (roll < 0.45) {
        const version = (r?.version ?? 1) + (g.chance(0.9) ? 0 : g.pick([-1, 1]));
        const values = r?.layoutId ? submission(run, who, m, r.layoutId, r) : new Map([[m.fields[0] as string, 'w']]);
        await attempt(run, who, 'edit', m, { op: 'edit', recordId: id, values, version }, `edit of ${where}`);
      } else if (roll < 0.6) await attempt(run, who, 'delete', m, { op: 'delete', recordId: id }, `delete of ${where}`);
      else if (roll < 0.77) await attempt(run, who, 'clone', m, { op: 'clone', sourceId: id }, `copy of ${where}`);
      else if (roll < 0.88) await attempt(run, who, 'note', m, { op: 'note', recordId: id }, `note on ${where}`);
      else await attempt(run, who, 'attachment', m, { op: 'attachment', recordId: id }, `file on ${where}`);
    }
    // One more edit of each record the tab lets U edit, F(M) left as stored when it points outside X_U (U created the record).
    const filter = tab?.kind === 'related' ? tab.filterFieldId : null;
    const xu = type ? refStandsFor(world, who.u, type) : new Set<string>();
    for (const id of reached) {
      const r = world.records.find((x) => x.id === id) as RefRecord;
      if (!tab?.canEdit || r.state !== 'active' || !r.layoutId) continue;
      const values = submission(run, who, m, r.layoutId, r);
      const stored = filter ? refValueOf(r, filter) : null;
      if (filter && stored && !xu.has(stored) && values.has(filter)) values.set(filter, stored);
      await attempt(run, who, 'edit', m, { op: 'edit', recordId: id, values, version: r.version ?? 1 }, `edit of record ${id.slice(0, 8)}`);
    }
  }
}

/** Why the reference gives a user nothing, to group findings by. */
function nothingBecause(run: Run, u: RefUser, portalId: string): string {
  if (u.portalId !== portalId) return 'another portal';
  if (u.status !== 'active') return u.status;
  const own = run.c.world.records.find((r) => r.id === u.recordId);
  return own?.deleted ? 'R_U in the recycle bin' : 'no type or portal';
}

/**
 * Users who get nothing, and users on another portal's address, write
 * through the real routes with a live session: answered exactly as a visitor
 * without one, their session ended, nothing written.
 */
async function signedOutWrites(run: Run) {
  const { c, g } = run;
  const { world } = c;
  const base = c.modules[0] as GenModule;
  const related = c.modules.find((m) => m.role === 'related') as GenModule;
  // A visitor without a session meets the same answer on every portal's address.
  const anonymousAnswers = new Map<string, Response>();
  for (const u of world.users) {
    // A user who gets nothing tries their own portal; one who gets something, the other portal.
    const gets = refGetsAnything(world, u.id, u.portalId) !== undefined;
    for (const portalId of gets ? world.portals.filter((p) => p !== u.portalId) : [u.portalId]) {
      const because = nothingBecause(run, u, portalId);
      const target = g.pick(world.records.filter((r) => r.moduleId === related.id)).id;
      const writes: { m: GenModule; op: RefWriteOp; path: string; form: Record<string, string> }[] = [
        { m: base, op: { op: 'create', layoutId: base.layouts[0] as string, values: new Map() }, path: `/m/${base.apiName}`, form: { f0: 'signed out' } },
        {
          m: base,
          op: { op: 'edit', recordId: u.recordId, values: new Map(), version: 1 },
          path: `/m/${base.apiName}/${u.recordId}/edit`,
          form: { __version: '1', f0: 'signed out' },
        },
        { m: related, op: { op: 'delete', recordId: target }, path: `/m/${related.apiName}/${target}/delete`, form: {} },
        { m: related, op: { op: 'note', recordId: target }, path: `/m/${related.apiName}/${target}/notes`, form: { body: 'signed out' } },
      ];
      for (const w of g.subset(writes, 0.5)) {
        const ref = refWrite(world, u.id, portalId, w.m.id, w.op);
        tally('signed-out', [because]);
        totals.attempts++;
        const path = `/p/${c.portalSlugs.get(portalId)}${w.path}`;
        const token = generateSessionToken();
        const session = await createSession(t.db, token, { kind: 'portal', id: u.id }, 30);
        const client = browserClient(t.app);
        client.cookies.set(PORTAL_COOKIE, token);
        const res = await client.post(path, w.form);
        const anonymous = anonymousAnswers.get(w.op.op) ?? (await browserClient(t.app).post(path, w.form));
        anonymousAnswers.set(w.op.op, anonymous);
        const ended = (await t.db.selectFrom('sessions').select('id').where('id', '=', session.id).executeTakeFirst()) === undefined;
        const example = `seed ${c.seed}, user ${u.id.slice(0, 8)} (${because}), POST ${w.op.op}: ${res.status}, a visitor gets ${anonymous.status}`;
        if (ref.ok || ref.status !== 'signed_out') finding('signed-out', `the reference does not sign out a user with ${because}`, example);
        else if (res.status !== anonymous.status || !ended)
          finding('signed-out', `${because}: answered ${res.status}${ended ? '' : ', session kept'}, not as signed out (${anonymous.status})`, example);
        const after = await fingerprint(run);
        if (after !== run.baseline) {
          finding('signed-out', `${because}: the write was stored`, example);
          run.baseline = after;
        }
      }
    }
  }
}

async function runCase(seed: number) {
  const c = await generateAccessCase(t.db, seed, { staffId, prefix: 'w', writable: true, requiredChance: 0.2, grantChance: 0.7 });
  const metas = new Map<string, ModuleMeta>();
  for (const m of c.modules) metas.set(m.id, (await loadModuleMetaById(t.db, m.id)) as ModuleMeta);
  const run: Run = { c, g: prng(seed ^ 0x3417e), metas, baseline: '' };
  run.baseline = await fingerprint(run);
  for (const u of c.world.users) {
    const gets = refGetsAnything(c.world, u.id, u.portalId) !== undefined;
    const ctx = await loadAccessContext(t.db, { portalUserId: u.id, portalId: u.portalId });
    if (gets !== (ctx !== undefined)) {
      const because = gets ? 'an active user' : nothingBecause(run, u, u.portalId);
      finding(
        'who',
        `${because}: reference ${gets ? 'gives something' : 'gives nothing'}, engine ${ctx ? 'gives a context' : 'gives none'}`,
        `seed ${seed}, user ${u.id.slice(0, 8)}`,
      );
    }
    if (gets && ctx) await userWrites(run, { u, ctx });
  }
  await signedOutWrites(run);
}

beforeAll(async () => {
  t = await startTestApp();
  staffId = (await seedAcme(t.db)).admin.id;
  const started = Date.now();
  for (let i = 0; i < CASES; i++) {
    const seed = BASE_SEED + i;
    try {
      await runCase(seed);
      totals.cases++;
    } catch (e) {
      finding('crash', String(e), `replay with ACCESS_WRITE_SEED=${seed} ACCESS_WRITE_CASES=1`);
    }
  }
  totals.ms = Date.now() - started;
  if (process.env.ACCESS_WRITE_REPORT) console.info(JSON.stringify({ ...totals, seen: Object.fromEntries([...seen].sort()) }, null, 1));
}, 240_000);
afterAll(() => t?.close());

describe(`portal writes agree with the reference over ${CASES} generated configurations`, () => {
  it('runs every case to the end', () => expect(report('crash')).toEqual([]));
  it('gives a context to exactly the users who get anything', () => expect(report('who')).toEqual([]));
  it('creates: permission, layout, required fields, hidden and read-only names, F(M) forced into X_U', () => expect(report('create')).toEqual([]));
  it('edits: scope, permission, locked records, hidden and read-only names, F(M), versions', () => expect(report('edit')).toEqual([]));
  it('deletes: scope, permission, never R_U, to the recycle bin', () => expect(report('delete')).toEqual([]));
  it('clones: view on the source and create on the module; the copy starts from visible fields only', () => expect(report('clone')).toEqual([]));
  it('adds notes only where the tab lets U add them', () => expect(report('note')).toEqual([]));
  it('adds files only where the tab lets U add them', () => expect(report('attachment')).toEqual([]));
  it('answers inactive users and other portals as signed out, writing nothing', () => expect(report('signed-out')).toEqual([]));

  // The generator must reach every rule, allowed and refused (checked on full runs, not replays).
  it.runIf(FULL_RUN)('reaches every rule of the actions table', () => {
    const expected: Record<string, string[]> = {
      create: [
        'allowed',
        'no_tab',
        'public_module',
        'no_permission',
        'no_layout',
        'required_hidden',
        'layout_not_allowed',
        'hidden_field',
        'read_only_field',
        'unreachable lookup named',
        'unreachable lookup named empty',
        'required_missing',
        'lookup_outside',
        'F(M) another record of X_U',
        'F(M) in X_U outside the base tab',
      ],
      edit: [
        'allowed',
        'not_in_scope',
        'public_module',
        'no_permission',
        'locked',
        'hidden_field',
        'read_only_field',
        'unreachable lookup named',
        'required_missing',
        'lookup_outside',
        'F(M) kept outside X_U',
        'stale',
      ],
      delete: ['allowed', 'not_in_scope', 'no_permission', 'own_record'],
      clone: ['allowed', 'not_in_scope', 'no_permission', 'public_module', 'required_hidden'],
      note: ['allowed', 'not_in_scope', 'no_permission', 'public_module'],
      attachment: ['allowed', 'not_in_scope', 'no_permission', 'public_module'],
      'signed-out': ['another portal', 'deactivated', 'invited', 'expired', 'R_U in the recycle bin'],
    };
    const missing = Object.entries(expected).flatMap(([area, outcomes]) => outcomes.filter((o) => !seen.has(`${area}:${o}`)).map((o) => `${area}:${o}`));
    expect(missing).toEqual([]);
    expect(totals.accepted).toBeGreaterThan(totals.cases * 4);
  });
});

import { loadAccessContext } from '../../src/access/context.js';
import { PORTAL_COOKIE } from '../../src/auth/portal-session.js';
import { createSession, generateSessionToken } from '../../src/auth/sessions.js';
import { loadModuleMetaById, type ModuleMeta } from '../../src/crm/metadata.js';
import { portalFormPage } from '../../src/portals/portal-forms.js';
import { addPortalAttachment, addPortalNote, createPortalRecord, deletePortalRecord, updatePortalRecord } from '../../src/portals/portal-writes.js';
import { type RefRecord, type RefUser, refGetsAnything, refInScope, refMask, refStandsFor } from '../unit/access-reference.js';
import { type RefValues, type RefWriteOp, refCreatableLayouts, refForm, refValueOf, refWrite } from '../unit/access-reference-writes.js';
import { type GenModule, generateAccessCase } from './access-world.js';
import {
  type Answer,
  type Area,
  BASE_SEED,
  CASES,
  describeAnswer,
  describeRef,
  disagreement,
  effectProblems,
  finding,
  fingerprint,
  fromWrite,
  kindOf,
  notable,
  PDF,
  type Run,
  seen,
  staffId,
  startAccessWriteApp,
  t,
  tally,
  timeZone,
  toForm,
  totals,
  typedName,
  UUID,
  undo,
  valueLabel,
  type Who,
} from './access-write-world.js';
import { browserClient } from './app.js';
import { prng } from './prng.js';

// The generated configurations of the portal-write properties
// (test/integration/access-write-properties.test.ts), run from
// ACCESS_WRITE_SEED: every write each user makes, asked of the write path and
// of the reference, findings filed by area.

/** One write asked of both sides; an accepted one is checked and undone, a refused one must have written nothing. */
export async function attempt(run: Run, who: Who, area: Area, m: GenModule, op: RefWriteOp, label: string) {
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

/** Saving the copy: its form as drawn. */
export async function submitClone(run: Run, who: Who, m: GenModule, page: NonNullable<Awaited<ReturnType<typeof portalFormPage>>>) {
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
export function submission(run: Run, who: Who, m: GenModule, layoutId: string, existing?: RefRecord): RefValues {
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

export async function userWrites(run: Run, who: Who) {
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
export function nothingBecause(run: Run, u: RefUser, portalId: string): string {
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
export async function signedOutWrites(run: Run) {
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

export async function runCase(seed: number) {
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

/** Runs every generated configuration, a crash filed as a finding with the seed to replay it. */
export async function runAccessWriteCases() {
  await startAccessWriteApp();
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
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAccessContext, typeContext } from '../../src/access/context.js';
import {
  allowedActions,
  attachmentInScope,
  conversationInScope,
  countInScope,
  explainAccess,
  fieldMask,
  findInScope,
  listInScope,
  type ScopeCursor,
  typeScope,
  usersReaching,
} from '../../src/access/engine.js';
import type { Database } from '../../src/db/database.js';
import { type AccessCase, generateAccessCase } from '../support/access-world.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { seedAcme } from '../support/fixtures.js';
import { type Prng, prng } from '../support/prng.js';
import {
  type RefRecord,
  refActions,
  refCanDownload,
  refColleagues,
  refExplainColleague,
  refExplainReason,
  refGetsAnything,
  refInScope,
  refMask,
  refNotes,
  refScope,
} from '../unit/access-reference.js';

let t: TestApp;
let staffId: string;

beforeAll(async () => {
  t = await startTestApp();
  staffId = (await seedAcme(t.db)).admin.id;
});
afterAll(() => t.close());

async function listAll(db: Database, ctx: Awaited<ReturnType<typeof loadAccessContext>>, moduleId: string): Promise<string[]> {
  const ids: string[] = [];
  let after: ScopeCursor | undefined;
  for (;;) {
    const page = await listInScope(db, ctx, moduleId, { limit: 3, after });
    ids.push(...page.map((r) => r.id));
    const last = page.at(-1);
    if (page.length < 3 || !last) return ids;
    after = { createdAt: last.created_at, id: last.id };
  }
}

const sorted = (s: Iterable<string>) => [...s].sort();

async function checkCase(db: Database, c: AccessCase, g: Prng, reasons: Set<string>) {
  const { world } = c;
  const otherPortal = (p: string) => world.portals.find((x) => x !== p) as string;
  await Promise.all(
    world.users.map(async (u) => {
      const ctx = await loadAccessContext(db, { portalUserId: u.id, portalId: u.portalId });
      const active = refGetsAnything(world, u.id, u.portalId) !== undefined;
      expect(ctx !== undefined, `context for ${u.status} user`).toBe(active);
      expect(await loadAccessContext(db, { portalUserId: u.id, portalId: otherPortal(u.portalId) }), 'other portal').toBeUndefined();
      for (const m of c.modules) {
        const expected = refScope(world, u.id, u.portalId, m.id);
        const listed = await listAll(db, ctx, m.id);
        expect(new Set(listed).size, 'list repeats no record').toBe(listed.length);
        expect(sorted(listed), `list of ${m.role} module`).toEqual(sorted(expected));
        expect(await countInScope(db, ctx, m.id), `count of ${m.role} module`).toBe(expected.size);
        if (!ctx) continue;
        // Every record of M, and one of any module (a right id under the wrong module is not found).
        const candidates = [...world.records.filter((r) => r.moduleId === m.id), ...(g.chance(0.4) ? [g.pick(world.records)] : [])];
        for (const r of candidates) {
          const found = await findInScope(db, ctx, m.id, r.id);
          expect(found?.id, `find ${r.id} in ${m.role} module`).toBe(refInScope(world, u.id, u.portalId, m.id, r) ? r.id : undefined);
          if (found) expect(allowedActions(ctx, m.id, found), `actions on ${r.id}`).toEqual(refActions(world, u.id, u.portalId, m.id, r));
        }
        for (const layoutId of m.layouts) {
          const mask = fieldMask(ctx, m.id, layoutId);
          const ref = refMask(world, u.id, u.portalId, m.id, layoutId);
          expect(sorted(mask.visible), `visible fields of ${m.role} layout`).toEqual(sorted(ref.visible));
          expect(sorted(mask.readOnly), `read-only fields of ${m.role} layout`).toEqual(sorted(ref.readOnly));
          expect(sorted(mask.required), `required fields of ${m.role} layout`).toEqual(sorted(ref.required));
        }
      }
      for (let i = 0; i < 4; i++) {
        const r = g.pick(world.records);
        // Explain loads the user itself once; after that the request's context stands in, as on the explain page.
        const explained = await explainAccess(db, i === 0 || !ctx ? { portalUserId: u.id } : ctx, r.id);
        expect(explained.inScope, `explain ${r.id} (${explained.reason})`).toBe(refInScope(world, u.id, u.portalId, r.moduleId, r));
        expect(explained.reason, `explain ${r.id}`).toBe(refExplainReason(world, u.id, r));
        expect(explained.colleagueId, `colleague named explaining ${r.id}`).toBe(refExplainColleague(world, u.id, r));
        reasons.add(explained.reason);
      }
      for (const n of world.notes) {
        const r = world.records.find((x) => x.id === n.recordId) as RefRecord;
        const got = (await conversationInScope(db, ctx, r.moduleId, r.id)).notes ?? [];
        expect(sorted(got.map((x) => x.id)), `notes of ${r.id}`).toEqual(sorted(refNotes(world, u.id, u.portalId, r.moduleId, r.id)));
      }
      for (const a of world.attachments) {
        const owner = world.records.find((r) => r.id === a.recordId) as RefRecord;
        const recordId = g.chance(0.85) ? a.recordId : g.pick(world.records).id;
        const got = await attachmentInScope(db, ctx, owner.moduleId, recordId, a.id);
        expect(got !== undefined, `download ${a.id} through ${recordId}`).toBe(refCanDownload(world, u.id, u.portalId, owner.moduleId, recordId, a.id));
      }
    }),
  );
}

/** The type-wide scopes (access diff, "who sees this record") are the union of the type's active users' scopes. */
async function checkTypeScopes(db: Database, c: AccessCase) {
  const { world } = c;
  const typeIds = [...new Set(world.users.map((u) => u.typeId))];
  for (const typeId of typeIds) {
    const ctx = await typeContext(db, typeId);
    const members = world.users.filter((u) => u.typeId === typeId);
    for (const m of c.modules) {
      const union = new Set(members.flatMap((u) => [...refScope(world, u.id, u.portalId, m.id)]));
      const rows = await db.selectFrom('records').select('records.id').where(typeScope(ctx, m.id)).execute();
      expect(sorted(rows.map((r) => r.id)), `type scope of ${m.role} module`).toEqual(sorted(union));
    }
    if (!ctx) continue;
    for (const r of world.records) {
      const reaching = await usersReaching(db, ctx, { id: r.id, moduleId: r.moduleId });
      const expected = members.filter((u) => refInScope(world, u.id, u.portalId, r.moduleId, r)).map((u) => u.id);
      expect(sorted(reaching.map((u) => u.id)), `users reaching ${r.id}`).toEqual(sorted(expected));
    }
  }
}

const BASE_SEED = Number(process.env.ACCESS_SEED ?? 20261122);
const CASES = Number(process.env.ACCESS_CASES ?? 200);

describe('the permission engine agrees with the reference', () => {
  it(`over ${CASES} generated configurations and data sets`, { timeout: 300_000 }, async () => {
    let inScopeSeen = 0;
    /** Records reached only through a colleague at the same account, and active users with colleagues other than themselves. */
    let throughColleagues = 0;
    let withColleagues = 0;
    const reasons = new Set<string>();
    for (let i = 0; i < CASES; i++) {
      const seed = BASE_SEED + i;
      try {
        const c = await generateAccessCase(t.db, seed, { staffId });
        await checkCase(t.db, c, prng(seed ^ 0x5eed), reasons);
        await checkTypeScopes(t.db, c);
        inScopeSeen += c.world.users.reduce((n, u) => n + c.modules.reduce((k, m) => k + refScope(c.world, u.id, u.portalId, m.id).size, 0), 0);
        for (const u of c.world.users) {
          const who = refGetsAnything(c.world, u.id, u.portalId);
          if (!who) continue;
          if (refColleagues(c.world, u, who.type).size > 1) withColleagues++;
          throughColleagues += c.world.records.filter((r) => refExplainReason(c.world, u.id, r) === 'linked_through_colleague').length;
        }
      } catch (e) {
        console.error(`access property case failed; replay with ACCESS_SEED=${seed} ACCESS_CASES=1`);
        throw e;
      }
    }
    // The generator must reach records and every rule, not only refuse them (checked on full runs, not replays).
    if (CASES >= 200) {
      expect(inScopeSeen).toBeGreaterThan(CASES * 5);
      // Company-scoped tabs with colleagues that reach records, not only configurations that never use them.
      expect(withColleagues, 'active users with colleagues').toBeGreaterThan(CASES / 2);
      expect(throughColleagues, 'records reached only through a colleague').toBeGreaterThan(CASES / 4);
      const refused = [
        'user_inactive',
        'no_tab',
        'tab_hidden',
        'no_view_permission',
        'layout_not_allowed',
        'recycle_bin',
        'not_own_record',
        'lookup_elsewhere',
      ];
      const granted = ['own_record', 'created_by_user', 'linked_through_lookup', 'linked_through_colleague', 'public_module'];
      expect(sorted(reasons)).toEqual(sorted([...refused, ...granted]));
    }
  });
});

import type { Database } from '../../src/db/database.js';
import type { RefLookupField, RefRecord, RefType } from '../unit/access-reference.js';
import { prng } from './prng.js';

// The company side of a generated access case: accounts, the base module's
// account lookup (or none), lookups that must not count as one (removed, in a
// subform, or to another module), base records sharing accounts or without
// one, and related tabs with company reach. Drawn from a generator of its own,
// so the rest of a case stays what the same seed gave without it.

export type CompanyDraw = {
  accountsModuleId: string;
  accountIds: string[];
  lookupFields: RefLookupField[];
  /** The subform field holding the in-subform decoy, when drawn. */
  subformId: string | undefined;
  /** Target module of each drawn lookup field. */
  targets: Map<string, string>;
};

/** Draws the company side for a case and applies it to its base records and related tabs (mutated in place). */
export async function drawCompanies(
  db: Database,
  seed: number,
  c: { baseModuleId: string; otherModuleId: string; types: RefType[]; records: RefRecord[]; writable: boolean },
): Promise<CompanyDraw> {
  const k = prng(seed ^ 0xacc0);
  const accounts = await db.selectFrom('modules').select('id').where('api_name', '=', 'accounts').executeTakeFirstOrThrow();
  const accountIds = Array.from({ length: 2 + k.int(2) }, () => k.uuid());
  const lookupFields: RefLookupField[] = [];
  const targets = new Map<string, string>();
  const add = (targetApiName: string, target: string, over: Partial<RefLookupField> = {}) => {
    const id = k.uuid();
    lookupFields.push({ id, moduleId: c.baseModuleId, targetApiName, removed: false, inSubform: false, ...over });
    targets.set(id, target);
    return id;
  };
  // Decoys first: an engine taking the first lookup to accounts, whatever its state, would pick one of these.
  // Writable records hold their lookups' values as data; a removed or subform lookup has none to hold, so those are left out.
  if (!c.writable && k.chance(0.3)) add('accounts', accounts.id, { removed: true });
  const subformId = !c.writable && k.chance(0.25) ? k.uuid() : undefined;
  if (subformId) add('accounts', accounts.id, { inSubform: true });
  if (k.chance(0.3)) add('other', c.otherModuleId);
  if (k.chance(0.85)) add('accounts', accounts.id);
  const baseRecords = c.records.filter((r) => r.moduleId === c.baseModuleId);
  for (const field of lookupFields) for (const r of baseRecords) if (k.chance(0.85)) r.refs.push({ fieldId: field.id, targetId: k.pick(accountIds) });
  for (const type of c.types) for (const tab of type.tabs) if (tab.kind === 'related') tab.reach = k.chance(0.6) ? 'company' : 'mine';
  return { accountsModuleId: accounts.id, accountIds, lookupFields, subformId, targets };
}

/** The draw's rows: the account records, the subform and the lookup fields of the base module. */
export async function insertCompanies(trx: Database, d: CompanyDraw, baseModuleId: string, staffId: string) {
  await trx
    .insertInto('records')
    .values(d.accountIds.map((id, i) => ({ id, module_id: d.accountsModuleId, owner_id: staffId, data: {}, display_name: `account ${i}` })))
    .execute();
  const lookup = (f: RefLookupField, i: number) => ({
    id: f.id,
    module_id: baseModuleId,
    parent_field_id: f.inSubform ? (d.subformId ?? null) : null,
    api_name: `acct${i}`,
    kind: 'custom' as const,
    type: 'lookup' as const,
    required: false,
    label_key: null,
    labels: {},
    options: { targetModuleId: d.targets.get(f.id) as string },
    deleted_at: f.removed ? new Date() : null,
  });
  const subform = d.subformId
    ? [
        {
          id: d.subformId,
          module_id: baseModuleId,
          parent_field_id: null,
          api_name: 'lines',
          kind: 'custom' as const,
          type: 'subform' as const,
          required: false,
          label_key: null,
          labels: {},
          options: {},
          deleted_at: null,
        },
      ]
    : [];
  if (subform.length) await trx.insertInto('fields').values(subform).execute();
  if (d.lookupFields.length) await trx.insertInto('fields').values(d.lookupFields.map(lookup)).execute();
}

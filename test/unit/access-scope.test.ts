import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { AccessContext, TabConfig } from '../../src/access/context.js';
import { rowScope } from '../../src/access/scope.js';
import type { DB, TabKind } from '../../src/db/schema.js';

// The row scope's SQL, compiled without a database (the integration tests run it on PostgreSQL).

const db = new Kysely<DB>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (k) => new PostgresIntrospector(k),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

function tab(moduleId: string, kind: TabKind, over: Partial<TabConfig> = {}): TabConfig {
  return {
    moduleId,
    kind,
    shown: true,
    filterFieldId: null,
    reach: 'mine',
    accountFieldId: null,
    layoutIds: [`${moduleId}.standard`],
    canView: true,
    canCreate: false,
    canEdit: false,
    canDelete: false,
    viewMode: 'list',
    notes: 'none',
    attachments: 'none',
    labels: {},
    ...over,
  };
}

const portal = (tabs: TabConfig[]): AccessContext => ({
  user: undefined,
  recordId: 'alice-contact',
  userTypeId: 'customers',
  portalId: 'acme',
  baseModuleId: 'contacts',
  tabs: new Map(tabs.map((t) => [t.moduleId, t])),
  fields: new Map(),
  readOnly: true,
  privacyPage: false,
});

const whereOf = (ctx: AccessContext | undefined, moduleId: string) => {
  const { sql, parameters } = db.selectFrom('records').select('records.id').where(rowScope(ctx, moduleId)).compile();
  return { where: sql.slice(sql.indexOf(' where ') + 7), parameters };
};

describe('the row scope', () => {
  it('reaches every live record of a public module in its allowed layouts', () => {
    expect(whereOf(portal([tab('solutions', 'public')]), 'solutions')).toEqual({
      where: '("records"."module_id" = $1 and "records"."deleted_at" is null and "records"."layout_id" in ($2))',
      parameters: ['solutions', 'solutions.standard'],
    });
  });

  it('reaches only the own record on a base tab without view permission', () => {
    expect(whereOf(portal([tab('contacts', 'base', { canView: false })]), 'contacts')).toEqual({
      where: '("records"."module_id" = $1 and "records"."deleted_at" is null and "records"."layout_id" in ($2) and "records"."id" = $3)',
      parameters: ['contacts', 'contacts.standard', 'alice-contact'],
    });
  });

  it('reaches, on a company-scoped related tab, the records linked to colleagues at R_U’s account by index-friendly parts', () => {
    const company = tab('cases', 'related', { filterFieldId: 'cases.contact', reach: 'company', accountFieldId: 'contacts.account' });
    const { where, parameters } = whereOf(portal([company]), 'cases');
    expect(where).toContain(
      'select "rr"."record_id" as "id" from "record_refs" as "rr" where "rr"."field_id" = $5 and "rr"."target_id" in (select "col"."record_id" from "record_refs" as "col" inner join "records" as "cu" on "cu"."id" = "col"."record_id" where "col"."field_id" = $6 and "col"."target_id" in (select "acc"."target_id" from "record_refs" as "acc" where "acc"."record_id" = $7 and "acc"."field_id" = $8) and "cu"."module_id" = $9 and "cu"."deleted_at" is null)',
    );
    expect(parameters.slice(4)).toEqual(['cases.contact', 'contacts.account', 'alice-contact', 'contacts.account', 'contacts']);
    // The same tab reaching only the user's records, or on a base module without an account lookup, names no colleague.
    for (const mine of [
      { ...company, reach: 'mine' as const },
      { ...company, accountFieldId: null },
    ])
      expect(whereOf(portal([mine]), 'cases').where).not.toContain('record_refs" as "col"');
  });

  it('grants nothing without a context, a tab, layouts or a lookup, or for a tab of an unknown kind', () => {
    const nothing = { where: 'false', parameters: [] };
    expect(whereOf(undefined, 'cases')).toEqual(nothing);
    expect(whereOf(portal([]), 'cases')).toEqual(nothing);
    expect(whereOf(portal([tab('cases', 'related', { layoutIds: [] })]), 'cases')).toEqual(nothing);
    expect(whereOf(portal([tab('cases', 'related')]), 'cases')).toEqual(nothing);
    expect(whereOf(portal([tab('cases', 'partner' as TabKind)]), 'cases')).toEqual(nothing);
  });
});

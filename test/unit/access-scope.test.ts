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

  it('grants nothing without a context, a tab, layouts or a lookup, or for a tab of an unknown kind', () => {
    const nothing = { where: 'false', parameters: [] };
    expect(whereOf(undefined, 'cases')).toEqual(nothing);
    expect(whereOf(portal([]), 'cases')).toEqual(nothing);
    expect(whereOf(portal([tab('cases', 'related', { layoutIds: [] })]), 'cases')).toEqual(nothing);
    expect(whereOf(portal([tab('cases', 'related')]), 'cases')).toEqual(nothing);
    expect(whereOf(portal([tab('cases', 'partner' as TabKind)]), 'cases')).toEqual(nothing);
  });
});

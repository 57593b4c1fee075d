import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ModuleMeta } from '../../src/crm/metadata.js';
import { diffAccess } from '../../src/portals/access-diff.js';
import {
  diffOf,
  fieldsInput,
  layoutOf,
  type Perm,
  resetSavedAccess,
  saveTabsDirectly,
  startAccessDiffWorld,
  summary,
  tabsInput,
} from '../support/access-diff-world.js';
import type { TestApp } from '../support/app.js';

// The access diff computed for a proposed change of a portal user type's tabs
// or field permissions: records gained and lost by its active users, and fields
// that become visible, hidden, read-only or writable.

let t: TestApp;
let cases: ModuleMeta;
let deals: ModuleMeta;
let customersType: string;
let escalationLayout: string;

beforeAll(async () => {
  ({ t, cases, deals, customersType, escalationLayout } = await startAccessDiffWorld());
});
afterAll(() => t.close());

beforeEach(() => resetSavedAccess());

describe('the access diff', () => {
  it('counts the records the active users gain and lose, never the deactivated user’s or unlinked ones', async () => {
    const diff = diffOf(await diffAccess(t.db, customersType, { tabs: tabsInput({ cases: { layouts: [layoutOf(cases)] } }) }));
    expect(diff.changed).toBe(true);
    expect(diff.types).toHaveLength(1);
    const [type] = diff.types;
    expect(type).toMatchObject({ userTypeId: customersType, typeName: 'Customers', portalName: 'Globex', activeUsers: 2 });
    expect(type?.modules.map(summary)).toEqual([
      {
        module: 'deals',
        gained: 0,
        lost: 2,
        layouts: [{ layout: layoutOf(deals), nowVisible: [], noLongerVisible: ['name'], nowReadOnly: [], noLongerReadOnly: [] }],
      },
      {
        module: 'cases',
        gained: 3,
        lost: 0,
        layouts: [{ layout: layoutOf(cases), nowVisible: ['subject', 'status'], noLongerVisible: [], nowReadOnly: ['status'], noLongerReadOnly: [] }],
      },
    ]);
  });

  it('loses exactly the records in a layout taken out of the allowed layouts', async () => {
    await saveTabsDirectly(customersType, { cases: { layouts: [layoutOf(cases), escalationLayout] }, deals: { layouts: [layoutOf(deals)] } });
    const diff = diffOf(
      await diffAccess(t.db, customersType, { tabs: tabsInput({ cases: { layouts: [layoutOf(cases)] }, deals: { layouts: [layoutOf(deals)] } }) }),
    );
    // Carla's escalated case goes; Eve's does not count, she is deactivated. No field of the escalation layout was visible.
    expect(diff.types[0]?.modules.map(summary)).toEqual([{ module: 'cases', gained: 0, lost: 1, layouts: [] }]);
  });

  it('lists exactly the field that becomes visible, read-only, hidden or writable', async () => {
    await saveTabsDirectly(customersType, { cases: { layouts: [layoutOf(cases)] } });
    const fieldsOf = async (perms: Record<string, Perm>) => {
      const diff = diffOf(await diffAccess(t.db, customersType, { moduleId: cases.module.id, layoutId: layoutOf(cases), fields: fieldsInput(perms) }));
      return diff.types[0]?.modules.map(summary);
    };
    const only = (changes: Partial<Record<'nowVisible' | 'noLongerVisible' | 'nowReadOnly' | 'noLongerReadOnly', string[]>>) => [
      {
        module: 'cases',
        gained: 0,
        lost: 0,
        layouts: [{ layout: layoutOf(cases), nowVisible: [], noLongerVisible: [], nowReadOnly: [], noLongerReadOnly: [], ...changes }],
      },
    ];
    expect(await fieldsOf({ subject: 'visible', status: 'readOnly', priority: 'visible' })).toEqual(only({ nowVisible: ['priority'] }));
    expect(await fieldsOf({ subject: 'readOnly', status: 'readOnly' })).toEqual(only({ nowReadOnly: ['subject'] }));
    expect(await fieldsOf({ subject: 'visible', status: 'visible' })).toEqual(only({ noLongerReadOnly: ['status'] }));
    expect(await fieldsOf({ subject: 'visible' })).toEqual(only({ noLongerVisible: ['status'] }));
  });

  it('sees no change in a permission that moves no record and no field', async () => {
    const diff = diffOf(await diffAccess(t.db, customersType, { tabs: tabsInput({ deals: { layouts: [layoutOf(deals)], create: true } }) }));
    expect(diff).toEqual({ changed: false, types: [] });
  });
});

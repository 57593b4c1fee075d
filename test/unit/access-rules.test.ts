import { describe, expect, it } from 'vitest';
import type { AccessContext, FieldPermission, TabConfig } from '../../src/access/context.js';
import { allowedActions, checkWrite, emptyMask, fieldMask, layoutsShowing, maskRecordData, usableTab, visibleTabs } from '../../src/access/rules.js';
import type { TabKind } from '../../src/db/schema.js';

// Alice's customer portal: contacts is the base module (her own record is
// alice), cases a related module, solutions a public one.

const alice = 'alice-contact';
const carol = 'carol-contact';

function tab(moduleId: string, kind: TabKind, over: Partial<TabConfig> = {}): TabConfig {
  return {
    moduleId,
    kind,
    shown: true,
    filterFieldId: kind === 'related' ? 'cases.contact' : null,
    reach: 'mine',
    accountFieldId: null,
    layoutIds: [`${moduleId}.standard`],
    canView: true,
    canCreate: true,
    canEdit: true,
    canDelete: true,
    viewMode: 'list',
    notes: 'none',
    attachments: 'none',
    labels: {},
    ...over,
  };
}

const perm = (visible: boolean, readOnly = false, required = false): FieldPermission => ({ visible, readOnly, required });

function portal(tabs: TabConfig[], over: Partial<AccessContext> = {}): AccessContext {
  return {
    user: { id: 'alice-portal', recordId: alice, userTypeId: 'customers', portalId: 'acme', invitedBy: 'staff', status: 'active', recordDeleted: false },
    recordId: alice,
    userTypeId: 'customers',
    portalId: 'acme',
    baseModuleId: 'contacts',
    tabs: new Map(tabs.map((t) => [t.moduleId, t])),
    fields: new Map([
      [
        'cases.standard',
        new Map([
          ['subject', perm(true, false, true)],
          ['status', perm(true, true)],
          ['internal_rating', perm(false, true, true)],
        ]),
      ],
      ['cases.escalation', new Map([['subject', perm(true)]])],
      ['solutions.standard', new Map([['title', perm(true)]])],
      ['contacts.standard', new Map([['email', perm(true)]])],
    ]),
    readOnly: false,
    privacyPage: false,
    ...over,
  };
}

const none = { view: false, create: false, edit: false, delete: false, clone: false };
const active = (id: string) => ({ id, state: 'active' as const });

describe('allowed actions', () => {
  it('follow every permission of a related tab', () => {
    const ctx = portal([tab('cases', 'related')]);
    expect(allowedActions(ctx, 'cases')).toEqual({ view: true, create: true, edit: true, delete: true, clone: true });
    const viewOnly = portal([tab('cases', 'related', { canCreate: false, canEdit: false, canDelete: false })]);
    expect(allowedActions(viewOnly, 'cases', active('case-1'))).toEqual({ ...none, view: true });
    const noCreate = portal([tab('cases', 'related', { canCreate: false })]);
    expect(allowedActions(noCreate, 'cases')).toEqual({ view: true, create: false, edit: true, delete: true, clone: false });
  });

  it('give nothing on a related tab without view permission, whatever else it grants', () => {
    expect(allowedActions(portal([tab('cases', 'related', { canView: false })]), 'cases', active('case-1'))).toEqual(none);
  });

  it('keep the own record viewable and never deletable, even without view permission on the base tab', () => {
    const ctx = portal([tab('contacts', 'base', { canView: false, canCreate: true, canDelete: true })]);
    expect(allowedActions(ctx, 'contacts', active(alice))).toEqual({ view: true, create: false, edit: true, delete: false, clone: false });
    expect(allowedActions(ctx, 'contacts', active(carol))).toMatchObject({ view: false, create: false, clone: false });
  });

  it('lock editing of a record awaiting approval or under review', () => {
    const ctx = portal([tab('cases', 'related')]);
    expect(allowedActions(ctx, 'cases', { id: 'case-1', state: 'pending_approval' }).edit).toBe(false);
    expect(allowedActions(ctx, 'cases', { id: 'case-1', state: 'under_review' }).edit).toBe(false);
    expect(allowedActions(ctx, 'cases', active('case-1')).edit).toBe(true);
  });

  it('make a public module view only, whatever its tab grants', () => {
    expect(allowedActions(portal([tab('solutions', 'public')]), 'solutions')).toEqual({ ...none, view: true });
  });

  it('are view only in a read-only context (a preview)', () => {
    const ctx = portal([tab('contacts', 'base'), tab('cases', 'related')], { readOnly: true, user: undefined });
    expect(allowedActions(ctx, 'cases', active('case-1'))).toEqual({ ...none, view: true });
    expect(allowedActions(ctx, 'contacts', active(alice))).toEqual({ ...none, view: true });
  });

  it('deny by default: no context, no tab, a hidden tab, a tab of an unknown kind', () => {
    expect(allowedActions(undefined, 'cases')).toEqual(none);
    expect(allowedActions(portal([tab('cases', 'related')]), 'invoices')).toEqual(none);
    expect(allowedActions(portal([tab('cases', 'related', { shown: false })]), 'cases')).toEqual(none);
    const partner = tab('cases', 'partner' as TabKind);
    expect(allowedActions(portal([partner]), 'cases', active('case-1'))).toEqual(none);
  });
});

describe('usable and visible tabs', () => {
  it('list the base tab, then related, then public ones, leaving out hidden tabs and those without view permission', () => {
    const ctx = portal([
      tab('solutions', 'public'),
      tab('quotes', 'related', { canView: false }),
      tab('cases', 'related'),
      tab('invoices', 'related', { shown: false }),
      tab('contacts', 'base', { canView: false }),
    ]);
    expect(visibleTabs(ctx).map((t) => t.moduleId)).toEqual(['contacts', 'cases', 'solutions']);
    expect(visibleTabs(undefined)).toEqual([]);
  });

  it('reach a base tab without view permission only on the base module', () => {
    const ctx = portal([tab('contacts', 'base', { canView: false }), tab('accounts', 'base', { canView: false })]);
    expect(usableTab(ctx, 'contacts')?.moduleId).toBe('contacts');
    expect(usableTab(ctx, 'accounts')).toBeUndefined();
  });

  it('never reach a tab of an unknown kind', () => {
    const ctx = portal([tab('contacts', 'base'), tab('cases', 'partner' as TabKind)]);
    expect(usableTab(ctx, 'cases')).toBeUndefined();
    expect(visibleTabs(ctx).map((t) => t.moduleId)).toEqual(['contacts']);
  });
});

describe('field masks', () => {
  const cases = () => portal([tab('cases', 'related', { layoutIds: ['cases.standard', 'cases.escalation'] })]);

  it('let out only visible fields, with their read-only and required marks', () => {
    const mask = fieldMask(cases(), 'cases', 'cases.standard');
    expect([...mask.visible].sort()).toEqual(['status', 'subject']);
    expect([...mask.readOnly]).toEqual(['status']);
    expect([...mask.required]).toEqual(['subject']);
  });

  it('make every field of a public module read-only', () => {
    const mask = fieldMask(portal([tab('solutions', 'public')]), 'solutions', 'solutions.standard');
    expect([...mask.visible]).toEqual(['title']);
    expect([...mask.readOnly]).toEqual(['title']);
  });

  it('deny by default: a field without a permission, a layout the tab does not allow, no layout, an unusable tab', () => {
    expect(fieldMask(cases(), 'cases', 'cases.standard').visible.has('description')).toBe(false);
    expect(fieldMask(cases(), 'cases', 'solutions.standard')).toEqual(emptyMask());
    expect(fieldMask(cases(), 'cases', null)).toEqual(emptyMask());
    expect(fieldMask(undefined, 'cases', 'cases.standard')).toEqual(emptyMask());
    expect(fieldMask(portal([tab('cases', 'related', { canView: false })]), 'cases', 'cases.standard')).toEqual(emptyMask());
    expect(fieldMask(portal([tab('cases', 'partner' as TabKind)]), 'cases', 'cases.standard')).toEqual(emptyMask());
  });

  it('name the allowed layouts where a field is visible', () => {
    expect(layoutsShowing(cases(), 'cases', 'subject')).toEqual(['cases.standard', 'cases.escalation']);
    expect(layoutsShowing(cases(), 'cases', 'status')).toEqual(['cases.standard']);
    expect(layoutsShowing(cases(), 'cases', 'internal_rating')).toEqual([]);
    expect(layoutsShowing(portal([tab('cases', 'related', { shown: false })]), 'cases', 'subject')).toEqual([]);
  });
});

describe('record data through a mask', () => {
  const meta = {
    fields: [
      { id: 'subject', api_name: 'subject' },
      { id: 'status', api_name: 'status' },
      { id: 'internal_rating', api_name: 'internal_rating' },
    ],
  } as Parameters<typeof maskRecordData>[1];

  it('keeps the visible fields present in the data and drops the rest', () => {
    const mask = fieldMask(portal([tab('cases', 'related')]), 'cases', 'cases.standard');
    const data = { subject: 'Printer jams', internal_rating: 2, unknown_key: 'x' };
    expect(maskRecordData(mask, meta, data)).toEqual({ subject: 'Printer jams' });
    expect(maskRecordData(emptyMask(), meta, data)).toEqual({});
  });
});

describe('write checks', () => {
  const ctx = portal([tab('cases', 'related')]);
  const mask = fieldMask(ctx, 'cases', 'cases.standard');

  it('accept visible, writable fields', () => {
    expect(checkWrite(ctx, mask, ['subject'])).toEqual({ ok: true });
  });

  it('refuse a hidden field, a read-only field, and any write in a read-only or missing context', () => {
    expect(checkWrite(ctx, mask, ['subject', 'internal_rating'])).toEqual({ ok: false, status: 422, reason: 'hidden_field', fieldId: 'internal_rating' });
    expect(checkWrite(ctx, mask, ['status'])).toEqual({ ok: false, status: 422, reason: 'read_only_field', fieldId: 'status' });
    expect(checkWrite({ ...ctx, readOnly: true }, mask, ['subject'])).toEqual({ ok: false, status: 422, reason: 'read_only_context' });
    expect(checkWrite(undefined, mask, [])).toEqual({ ok: false, status: 422, reason: 'read_only_context' });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAccessWriteCases } from '../support/access-write-run.js';
import { CASES, FULL_RUN, report, seen, t, totals } from '../support/access-write-world.js';

// Every write a portal user makes — create, edit, delete, clone, notes, files —
// asked of the write path and of the reference over generated configurations.
// Each accepted write is checked for what it stored and then undone, so every
// attempt meets the same data; a refused one must leave everything as it was.
// The cases run once, in beforeAll (test/support/access-write-run.ts); each
// test reads the findings of one area.

beforeAll(runAccessWriteCases, 240_000);
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

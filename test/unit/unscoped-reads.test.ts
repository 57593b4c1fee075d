import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { FLAG, sourceFiles, unflaggedReads } from './unscoped-reads.js';

// The rule and its heuristic are described in unscoped-reads.ts.

describe('reads of CRM records', () => {
  it('apply a record scope or carry an UNSCOPED READ: flag, in every file of src/ and views/', () => {
    // src/bench and src/cli included: operator tools, but what they read is flagged like the rest.
    const files = ['src', 'views'].flatMap((d) => sourceFiles(join(projectRoot, d)));
    expect(files.length).toBeGreaterThan(100);
    const report = files.flatMap((path) => unflaggedReads(relative(projectRoot, path), readFileSync(path, 'utf8')));
    expect(report).toEqual([]);
  });

  it('give a reason in every UNSCOPED READ: flag', () => {
    const files = ['src', 'views'].flatMap((d) => sourceFiles(join(projectRoot, d)));
    const bare = files.flatMap((path) =>
      readFileSync(path, 'utf8')
        .split('\n')
        .flatMap((l, i) => (l.includes('UNSCOPED READ') && !FLAG.test(l) ? [`${relative(projectRoot, path)}:${i + 1}`] : [])),
    );
    expect(bare).toEqual([]);
  });

  it('reports a real read once its flag is taken out (the demo seeding)', () => {
    const stats = readFileSync(join(projectRoot, 'src/demo/portal.ts'), 'utf8');
    expect(unflaggedReads('src/demo/portal.ts', stats)).toEqual([]);
    const unflagged = stats
      .split('\n')
      .filter((l) => !FLAG.test(l))
      .join('\n');
    expect(unflaggedReads('src/demo/portal.ts', unflagged)).toHaveLength(1);
  });
});

describe('unflaggedReads', () => {
  const unflagged = `export async function everyone(db: Database) {
  return db.selectFrom('records').selectAll().execute();
}
`;

  it('reports a read with neither scope nor flag, at the line naming the table', () => {
    expect(unflaggedReads('src/x.ts', unflagged)).toEqual(['src/x.ts:2']);
  });

  it('accepts the same read with the flag above it', () => {
    const flagged = unflagged.replace('  return db', '  // UNSCOPED READ: only administrators reach this page, and they see every record.\n  return db');
    expect(unflaggedReads('src/x.ts', flagged)).toEqual([]);
  });

  it('refuses a flag without a reason, or too far above', () => {
    expect(unflaggedReads('src/x.ts', unflagged.replace('  return db', '  // UNSCOPED READ:\n  return db'))).toEqual(['src/x.ts:3']);
    const far = `// UNSCOPED READ: far away.\nconst a = 1;\nconst b = 2;\n\nfunction f(db: Database) {\n  const c = 3;\n  return db.selectFrom('records').selectAll().execute();\n}\n`;
    expect(unflaggedReads('src/x.ts', far)).toEqual(['src/x.ts:7']);
  });

  it('accepts a read through the portal row scope or the staff record scope', () => {
    const portal = unflagged.replace('.selectAll()', ".selectAll().where('id', '=', id).where(rowScope(ctx, id))");
    expect(unflaggedReads('src/x.ts', portal)).toEqual([]);
    const staff = `const rows = await db
  .selectFrom('records as r')
  .select('r.id')
  .where(staffRecordScope(staff, meta.module))
  .execute();
`;
    expect(unflaggedReads('src/x.ts', staff)).toEqual([]);
  });

  it('does not count a scope named in a comment, or in another statement', () => {
    const commented = unflagged.replace('.selectAll()', '.selectAll()\n    // rowScope(ctx, id) is not needed here\n');
    expect(unflaggedReads('src/x.ts', commented)).toEqual(['src/x.ts:2']);
    const split = `  const q = db.selectFrom('records').select('id');\n  const r = rowScope(ctx, id);\n`;
    expect(unflaggedReads('src/x.ts', split)).toEqual(['src/x.ts:1']);
  });

  it('finds joins and raw SQL, and writes only when they return rows', () => {
    const join = `const u = await db
  .selectFrom('portal_users as u')
  .innerJoin('records as own', 'own.id', 'u.record_id')
  .select('own.data')
  .executeTakeFirst();
`;
    expect(unflaggedReads('src/x.ts', join)).toEqual(['src/x.ts:3']);
    const raw = 'const { rows } = await sql`select r.data\n  from records r where r.id = $1`.execute(db);\n';
    expect(unflaggedReads('src/x.ts', raw)).toEqual(['src/x.ts:2']);
    const write = "await trx.updateTable('records').set({ state }).where('id', '=', id).execute();\n";
    expect(unflaggedReads('src/x.ts', write)).toEqual([]);
    const returning = "const row = await trx.updateTable('records').set({ state }).where('id', '=', id).returningAll().executeTakeFirst();\n";
    expect(unflaggedReads('src/x.ts', returning)).toEqual(['src/x.ts:1']);
  });
});

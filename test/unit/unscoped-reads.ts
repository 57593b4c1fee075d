// The check behind unscoped-reads.test.ts, run there on src/ and views/ and on small fixture sources.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

// Every statement that reads CRM records (the `records` table) either applies
// a record scope or says, right above it, why it may read without one:
//
//   // UNSCOPED READ: <why this is safe / who may reach it>
//
// The check reads source text, not types, so it is a heuristic; its rules:
// - A read is a line naming the table in `selectFrom`/`innerJoin`/`leftJoin`/
//   `rightJoin`/`fullJoin` ('records' or 'records as x'), or raw SQL `from
//   records` / `join records`. `updateTable('records')`, `deleteFrom('records')`
//   and raw `update records` / `delete from records` count when the statement
//   has a `returning`. `insertInto('records')` does not: it hands back only
//   what it wrote. Comment lines are not read.
// - The statement runs from its first line (walking up while the line above
//   neither is blank or a comment nor ends in `;`, `{` or `}`) to the first line,
//   from the read on, that calls `.execute…` or `.compile(`, or ends in `;`.
// - It is scoped when its text (comment lines left out) names one of SCOPES.
// - Otherwise it passes only when one of the 3 lines above the read, or above
//   the statement's first line, carries `UNSCOPED READ:` followed by a reason.
// A scope named anywhere in the statement counts, even where it does not filter
// the rows (a select list): such reads carry the flag all the same, by hand.

/** What applies a record scope in a statement reading `records`. */
export const SCOPES: readonly { name: string; pattern: RegExp }[] = [
  // src/access/scope.ts: the portal user's rows (rowScope), every active user of a type (typeScope),
  // and the helper both are built from (scopeOf); src/access/reads.ts: narrowed = rowScope plus search and filters.
  { name: 'rowScope', pattern: /\browScope\(/ },
  { name: 'typeScope', pattern: /\btypeScope\(/ },
  { name: 'scopeOf', pattern: /\bscopeOf\(/ },
  { name: 'narrowed', pattern: /\bnarrowed\(/ },
  // src/privacy/export.ts: the records some tab of the person showed them, a union of rowScope.
  { name: 'shownOn', pattern: /\bshownOn\(/ },
  // src/crm/staff-access.ts: a staff user's record scope, and their lookup scope per target module.
  { name: 'staffRecordScope', pattern: /\bstaffRecordScope\(/ },
  { name: 'staffLookupScope', pattern: /\bstaffLookupScope\(/ },
  // A `Scope` (src/crm/records.ts) handed in by the caller: `.where(scope)`, `.where(spec.scope)`,
  // `.where(scope as Scope)`, `.where(scope(targetModuleId))`.
  { name: '.where(scope)', pattern: /\.where\((?:\w+\.)?scope(?:\s+as\s+Scope|\(\w+\))?\)/ },
];

const READ = [/\b(?:selectFrom|innerJoin|leftJoin|rightJoin|fullJoin)\(\s*['"`]records(?:\s+as\s+\w+)?['"`]/, /\b(?:from|join)\s+records\b/i];
const WRITE = /\b(?:updateTable|deleteFrom)\(\s*['"`]records(?:\s+as\s+\w+)?['"`]|\b(?:update|delete\s+from)\s+records\b/i;
const RETURNING = /\breturning/i;
export const FLAG = /UNSCOPED READ:\s*\S/;
const WINDOW = 3;
const LONGEST = 80;

const isComment = (line: string) => /^\s*(?:\/\/|\/\*|\*)/.test(line);

function statementStart(lines: string[], at: number): number {
  let start = at;
  while (start > 0 && at - start < LONGEST) {
    const above = (lines[start - 1] ?? '').trim();
    if (above === '' || isComment(above) || /[;{}]$/.test(above)) break;
    start--;
  }
  return start;
}

function statementEnd(lines: string[], at: number): number {
  for (let i = at; i < Math.min(lines.length, at + LONGEST); i++) {
    const line = lines[i] ?? '';
    if (/\.execute\w*\(|\.compile\(/.test(line) || line.trimEnd().endsWith(';')) return i;
  }
  return Math.min(lines.length, at + LONGEST) - 1;
}

const flaggedAbove = (lines: string[], line: number) => lines.slice(Math.max(0, line - WINDOW), line).some((l) => FLAG.test(l));

/** `file:line` of each statement of `text` that reads `records` with no scope and no `UNSCOPED READ:` flag. */
export function unflaggedReads(fileName: string, text: string): string[] {
  const lines = text.split('\n');
  const found: string[] = [];
  lines.forEach((line, i) => {
    if (isComment(line)) return;
    const reads = READ.some((r) => r.test(line));
    if (!reads && !WRITE.test(line)) return;
    const start = statementStart(lines, i);
    const statement = lines
      .slice(start, statementEnd(lines, i) + 1)
      .filter((l) => !isComment(l))
      .join('\n');
    if (!reads && !RETURNING.test(statement)) return;
    if (SCOPES.some((s) => s.pattern.test(statement))) return;
    if (flaggedAbove(lines, i) || flaggedAbove(lines, start)) return;
    found.push(`${fileName}:${i + 1}`);
  });
  return found;
}

/** The .ts and .tsx files under `dir`, at any depth. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The shape the code keeps (STYLE.md): routes parse, call one domain function
// and render, so a handler fits on a screen and holds no SQL; views hold none
// either; a file does one job; nothing imports in a circle; the CRM core does
// not reach into invitations or the demo.

const ROOT = normalize(join(dirname(fileURLToPath(import.meta.url)), '../..'));
const MAX_FILE_LINES = 400;
const MAX_HANDLER_LINES = 25;
const SQL = /\b(selectFrom|insertInto|updateTable|deleteFrom)\(|\bsql(<[^>]*>)?`/;

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

const files = [...sources('src'), ...sources('views')];
const text = new Map(files.map((f) => [f, readFileSync(join(ROOT, f), 'utf8')]));
const tests = sources('test');

/** Route handlers (`x.get('/path', …)` to the line closing it) longer than `max` lines, as "file:line (n lines)". */
function longHandlers(file: string, source: string, max = MAX_HANDLER_LINES): string[] {
  const lines = source.split('\n');
  const found: string[] = [];
  lines.forEach((line, i) => {
    const start = /^(\s*)(?!c\.)\w+\.(get|post|put|patch|delete|all)\(['`]/.exec(line); // c.get('…') is the context, not a route
    if (!start || line.trimEnd().endsWith(');')) return;
    const indent = start[1] ?? '';
    let end = i + 1;
    while (end < lines.length && !new RegExp(`^${indent}\\S`).test(lines[end] ?? '')) end++;
    const length = end - i + 1;
    if (length > max) found.push(`${file}:${i + 1} (${length} lines)`);
  });
  return found;
}

/** The relative modules a file imports at run time (type-only imports are erased and do not count). */
function runtimeImports(file: string, source: string): string[] {
  return [...source.matchAll(/^import (?!type )[^;]*? from '(\.[^']+)';/gms)].flatMap((m) => {
    const target = normalize(join(dirname(file), (m[1] ?? '').replace(/\.js$/, '')));
    return ['.ts', '.tsx'].map((ext) => target + ext).filter((p) => existsSync(join(ROOT, p)));
  });
}

function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

describe('the shape of the code', () => {
  it(`keeps every file under ${MAX_FILE_LINES} lines, but the schema and migrations`, () => {
    const long = files
      .filter((f) => !f.startsWith(join('src', 'db', 'migrations')) && f !== join('src', 'db', 'schema.ts'))
      .map((f) => [f, (text.get(f) ?? '').split('\n').length] as const)
      .filter(([, n]) => n > MAX_FILE_LINES)
      .map(([f, n]) => `${f} (${n} lines)`);
    expect(long).toEqual([]);
  });

  it(`keeps every test file and test support file under ${MAX_FILE_LINES} lines too`, () => {
    const long = tests
      .map((f) => [f, readFileSync(join(ROOT, f), 'utf8').split('\n').length] as const)
      .filter(([, n]) => n > MAX_FILE_LINES)
      .map(([f, n]) => `${f} (${n} lines)`);
    expect(tests.length).toBeGreaterThan(100);
    expect(long).toEqual([]);
  });

  it('has no SQL in routes or views', () => {
    const withSql = files.filter((f) => /^(src[/\\]routes|views)[/\\]/.test(f) && SQL.test(text.get(f) ?? ''));
    expect(withSql).toEqual([]);
  });

  it(`keeps every route handler within ${MAX_HANDLER_LINES} lines`, () => {
    const long = files.filter((f) => /^src[/\\]routes[/\\]/.test(f)).flatMap((f) => longHandlers(f, text.get(f) ?? ''));
    expect(long).toEqual([]);
  });

  it('has no import cycles, and the CRM core imports neither invitations nor the demo', () => {
    const graph = new Map(files.map((f) => [f, runtimeImports(f, text.get(f) ?? '')]));
    expect(cycles(graph).map((c) => c.join(' → '))).toEqual([]);
    const backEdges = [...graph].flatMap(([from, to]) =>
      /^src[/\\]crm[/\\]/.test(from) ? to.filter((t) => /^src[/\\](invitations|demo)[/\\]/.test(t)).map((t) => `${from} → ${t}`) : [],
    );
    expect(backEdges).toEqual([]);
  });

  it('the handler check measures a long handler and passes a short one', () => {
    const body = (n: number) => ["app.get('/x', async (c) => {", ...Array.from({ length: n }, () => '  c;'), '});'].join('\n');
    expect(longHandlers('a.tsx', body(30))).toEqual(['a.tsx:1 (32 lines)']);
    expect(longHandlers('a.tsx', body(10))).toEqual([]);
    expect(relative(ROOT, join(ROOT, 'src'))).toBe('src');
  });
});

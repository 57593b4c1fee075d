import type { Context } from 'hono';
import type { LookupInput, RecordInput } from '../crm/records.js';
import type { Field } from '../db/schema.js';
import type { AppEnv } from './env.js';

type Body = Record<string, unknown>;

/**
 * Reads a record form: plain fields, multi-selects (several values), lookups
 * (name + id) and subform rows; `present` names every field of `fields` the
 * body carried at all, so a write path can refuse names it must not take.
 */
export async function readRecordForm(c: Context<AppEnv>, fields: Field[]): Promise<{ input: RecordInput; meta: Record<string, string>; present: Set<string> }> {
  let body: Body;
  try {
    body = (await c.req.parseBody({ all: true, dot: true })) as Body;
  } catch {
    body = {};
  }
  const input: RecordInput = {};
  const first = (v: unknown): string | undefined => (Array.isArray(v) ? first(v[0]) : typeof v === 'string' ? v : undefined);
  for (const f of fields) {
    const v = body[f.api_name];
    if (f.type === 'multiselect') input[f.api_name] = (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
    else if (f.type === 'lookup') input[f.api_name] = { text: first(v) ?? '', id: first(body[`${f.api_name}__id`]) } satisfies LookupInput;
    else if (f.type === 'subform') {
      const rows = v && typeof v === 'object' && !Array.isArray(v) ? Object.entries(v as Record<string, unknown>) : [];
      input[f.api_name] = rows
        .filter(([k]) => /^\d{1,3}$/.test(k))
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([, row]) => {
          const out: Record<string, string | string[]> = {};
          for (const [k, cell] of Object.entries((row ?? {}) as Record<string, unknown>)) {
            const s = Array.isArray(cell) ? cell.filter((x): x is string => typeof x === 'string') : first(cell);
            if (s !== undefined) out[k] = s;
          }
          return out;
        });
    } else input[f.api_name] = first(v);
  }
  const meta: Record<string, string> = {};
  for (const key of ['__layout', '__version']) {
    const v = first(body[key]);
    if (v !== undefined) meta[key] = v;
  }
  const present = new Set(fields.filter((f) => Object.hasOwn(body, f.api_name) || Object.hasOwn(body, `${f.api_name}__id`)).map((f) => f.api_name));
  return { input, meta, present };
}

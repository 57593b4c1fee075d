import { loadModuleMeta } from '../crm/metadata.js';
import type { Database } from '../db/database.js';
import { containsPattern } from '../db/like.js';
import type { AccessContext } from './context.js';
import { fieldMask, rowScope } from './engine.js';

export type LineItemProduct = { id: string; name: string; unitPrice: unknown };

/**
 * The products U may pick on a quote or invoice line item: Products shared
 * with the type (its public tab), searched by name, through the row scope.
 * The unit price comes along only where that field is visible in the
 * product's layout; otherwise it is `undefined` and never leaves the server.
 */
export async function lineItemProducts(
  db: Database,
  ctx: AccessContext | undefined,
  opts: { search?: string; limit?: number } = {},
): Promise<LineItemProduct[]> {
  const meta = await loadModuleMeta(db, 'products');
  if (!ctx || !meta) return [];
  const priceField = meta.fields.find((f) => f.api_name === 'unit_price');
  const search = opts.search?.trim().toLowerCase();
  const rows = await db
    .selectFrom('records')
    .select(['records.id', 'records.display_name', 'records.layout_id', 'records.data'])
    .where(rowScope(ctx, meta.module.id))
    .$if(Boolean(search), (q) => q.where((eb) => eb(eb.fn('lower', ['records.display_name']), 'like', containsPattern(search ?? ''))))
    .orderBy('records.display_name')
    .orderBy('records.id')
    .limit(opts.limit ?? 20)
    .execute();
  return rows.map((r) => {
    const mask = fieldMask(ctx, meta.module.id, r.layout_id);
    const price = priceField && mask.visible.has(priceField.id) ? (r.data as Record<string, unknown>)[priceField.api_name] : undefined;
    return { id: r.id, name: r.display_name, unitPrice: price };
  });
}

import type { Database } from '../db/database.js';
import type { Org } from '../db/schema.js';

export function getOrg(db: Database): Promise<Org | undefined> {
  return db.selectFrom('org').selectAll().where('id', '=', 1).executeTakeFirst();
}

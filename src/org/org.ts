import { snapshotFor } from '../db/config-snapshot.js';
import type { Database } from '../db/database.js';
import type { Org } from '../db/schema.js';

export function getOrg(db: Database): Promise<Org | undefined> {
  const snapshot = snapshotFor(db);
  if (snapshot) return Promise.resolve(snapshot.org);
  return db.selectFrom('org').selectAll().where('id', '=', 1).executeTakeFirst();
}

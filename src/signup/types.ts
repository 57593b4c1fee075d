import type { Selectable } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Database } from '../db/database.js';
import type { PortalSignupsTable } from '../db/schema.js';

export type SignupDeps = { db: Database; boss: PgBoss; baseUrl: string };
export type PortalSignup = Selectable<PortalSignupsTable>;

import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { activeStaffById, profileId } from '../auth/staff.js';
import { withClient } from '../bench/setup.js';
import { loadModuleMeta } from '../crm/metadata.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { startBatch } from '../invitations/batches.js';

import { startBoss } from '../jobs/boss.js';
import { registerWorkers } from '../jobs/handlers.js';
import { enqueueInviteJobs, INVITE_FETCH_SIZE } from '../jobs/invite-job.js';
import { createPortal } from '../portals/portals.js';

// The bulk invitation section of `npm run bench`: 10,000 contacts invited in
// one batch by the in-process worker, in a scratch database of its own on the
// bench's server (created and dropped here), so the million records of the
// other sections are neither needed nor changed.

export const INVITE_BENCH_RECORDS = Number(process.env.BENCH_INVITES ?? 10_000);
const BUDGET_SECONDS = 30;

export type InviteBenchResult = { ok: boolean; seconds: number; perSecond: number };

export async function benchInvites(serverUrl: string, log: Logger, say: (line?: string) => void): Promise<InviteBenchResult> {
  const records = INVITE_BENCH_RECORDS;
  const name = `porta_bench_invites_${randomBytes(4).toString('hex')}`;
  await withClient(serverUrl, (c) => c.query(`create database ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = openDatabase(url.toString());
  const { db } = handle;
  let stopBoss: (() => Promise<void>) | undefined;
  try {
    await migrateToLatest(db);
    await db
      .insertInto('org')
      .values({ id: 1, name: 'Bench Org', email_domains: ['bench-org.example'], default_language: 'en', time_zone: 'UTC', time_format: '24h', country: 'ES' })
      .execute();
    const admin = await db
      .insertInto('staff_users')
      .values({ email: 'bench@bench-org.example', name: 'Bench Admin', password_hash: 'not-a-hash', profile_id: await profileId(db, 'administrator') })
      .returning('id')
      .executeTakeFirstOrThrow();
    const created = await createPortal(db, { kind: 'staff', id: admin.id }, { name: 'Bench portal' });
    if (!created.ok) throw new Error('the bench portal was not created');
    const type = await db
      .updateTable('portal_user_types')
      .set({ user_limit: 1_000_000 })
      .where('portal_id', '=', created.portal.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const meta = await loadModuleMeta(db, 'contacts');
    if (!meta) throw new Error('no contacts module');
    const layout = meta.defaultLayout?.id ?? null;
    const seeded = performance.now();
    await sql`
      insert into records (module_id, layout_id, owner_id, created_by_staff_id, data, display_name, search)
      select ${meta.module.id}::uuid, ${layout}::uuid, ${admin.id}::uuid, ${admin.id}::uuid,
        jsonb_build_object('first_name', 'Invitee', 'last_name', n::text, 'email', 'invitee' || n || '@customer.example', 'language', 'en'),
        'Invitee ' || n, to_tsvector('simple', 'Invitee ' || n || ' invitee' || n || '@customer.example')
      from generate_series(1, ${records}) as n`.execute(db);
    await sql`analyze records`.execute(db);
    const seedSeconds = (performance.now() - seeded) / 1000;

    const boss = await startBoss({ connectionString: url.toString(), role: 'both', migrate: true });
    stopBoss = () => boss.stop({ graceful: false, close: true });
    await registerWorkers({ db, boss, log, transport: undefined, mailFrom: 'Bench <bench@bench-org.example>', baseUrl: 'http://127.0.0.1' });
    const staff = await activeStaffById(db, admin.id);
    if (!staff) throw new Error('no bench staff user');

    const started = performance.now();
    const batch = await startBatch(db, { type, meta, staff, dryRun: false, selection: { kind: 'matching', q: '' } }, (trx, jobs) =>
      enqueueInviteJobs(trx, boss, jobs),
    );
    if (!batch.ok) throw new Error(`the bench batch was refused: ${batch.error}`);
    const queuedSeconds = (performance.now() - started) / 1000;
    for (;;) {
      const row = await db.selectFrom('invitation_batches').select('status').where('id', '=', batch.batchId).executeTakeFirstOrThrow();
      if (row.status === 'done') break;
      if (performance.now() - started > 600_000) throw new Error('the bench batch did not finish within 10 minutes');
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    const counts = await db
      .selectFrom('invitation_results')
      .select(['outcome', (eb) => eb.fn.countAll<string>().as('n')])
      .where('batch_id', '=', batch.batchId)
      .groupBy('outcome')
      .execute();
    const sent = Number(counts.find((c) => c.outcome === 'sent')?.n ?? 0);
    const emails = Number(
      (
        await db
          .selectFrom('email_outbox')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    const perSecond = records / seconds;
    const ok = sent === records && emails === records && seconds < BUDGET_SECONDS;

    say();
    say(
      `Bulk invitations (${records.toLocaleString('en')} contacts in one batch, one job each, in-process worker fetching ${INVITE_FETCH_SIZE} at a time; contacts inserted in ${seedSeconds.toFixed(1)} s):`,
    );
    say(`  batch created and ${records.toLocaleString('en')} jobs queued in ${queuedSeconds.toFixed(2)} s`);
    say(
      `  ${sent.toLocaleString('en')} sent (${emails.toLocaleString('en')} emails in the outbox) in ${seconds.toFixed(1)} s from the click: ${Math.round(perSecond).toLocaleString('en')} invitations/s`,
    );
    say(
      ok
        ? `  ok: the whole batch took ${seconds.toFixed(1)} s (budget ${BUDGET_SECONDS} s).`
        : `  FAIL: ${sent === records && emails === records ? `the batch took ${seconds.toFixed(1)} s, over the ${BUDGET_SECONDS} s budget` : `${sent} of ${records} sent, ${emails} emails`}.`,
    );
    return { ok, seconds, perSecond };
  } finally {
    await stopBoss?.();
    await handle.close();
    await withClient(serverUrl, (c) => c.query(`drop database if exists ${name} with (force)`));
  }
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserClient, TestApp } from '../support/app.js';
import { batchOf, finished, rec, results, startBulkInviteWorld, text } from '../support/bulk-invite-world.js';

// Bulk invitations as a dry run: predicted outcomes, nothing sent, and the
// outcomes as a CSV download in the reader's language.

let t: TestApp;
let ana: BrowserClient;
let anaId: string;
let typeId: string;
let base: string;

beforeAll(async () => {
  ({ t, ana, anaId, typeId, base } = await startBulkInviteWorld());
});
afterAll(() => t.close());

describe('a dry run', () => {
  it('predicts every outcome, sends nothing, creates no portal user, and downloads as CSV', { timeout: 60_000 }, async () => {
    const ids = [
      await rec({ first_name: 'Quinn', last_name: 'Smith, "Q"', email: 'quinn@globex.example' }),
      await rec({ first_name: 'Renée', last_name: 'Dry', email: 'renee@mailinator.com' }),
      await rec({ first_name: '=SUM(A1)', last_name: 'Dry', email: 'formula@globex.example' }),
    ];
    const res = await ana.request(base, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams([['type', typeId], ['mode', 'dry'], ...ids.map((id) => ['record', id] as [string, string])]),
    });
    const batch = await finished(batchOf(res));
    expect(batch.dry_run).toBe(true);
    const rows = await results(batch.id);
    expect(rows.map((r) => [r.outcome, r.reason]).sort()).toEqual([
      ['failed', 'disposable_domain'],
      ['would_send', null],
      ['would_send', null],
    ]);
    expect(await t.db.selectFrom('portal_users').select('id').where('record_id', 'in', ids).execute()).toEqual([]);
    expect(
      await t.db
        .selectFrom('email_outbox')
        .select('id')
        .where('to_address', 'in', ['quinn@globex.example', 'renee@mailinator.com', 'formula@globex.example'])
        .execute(),
    ).toEqual([]);

    const page = text(await (await ana.get(`${base}/batches/${batch.id}`)).text());
    expect(page).toContain('Prediction done with failures: 2 would be sent, 1 would fail.');
    expect(page).toContain('Renée Dry renee@mailinator.com Would fail The email address is at a disposable or anonymous email provider.');
    expect(page).toContain('Quinn Smith, "Q" quinn@globex.example Would be sent');

    const csv = await ana.get(`${base}/batches/${batch.id}/outcomes.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toContain('attachment; filename="predicted-invitations.csv"');
    const bytes = new Uint8Array(await csv.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder().decode(bytes.slice(3))).toBe(
      [
        '"Name","Email","Outcome","Reason code","Reason"',
        `"'=SUM(A1) Dry","formula@globex.example","Would be sent","",""`,
        '"Quinn Smith, ""Q""","quinn@globex.example","Would be sent","",""',
        '"Renée Dry","renee@mailinator.com","Would fail","disposable_domain","The email address is at a disposable or anonymous email provider."',
        '',
      ].join('\r\n'),
    );
  });

  it('writes the CSV in the reader’s language', async () => {
    const batch = await t.db.selectFrom('invitation_batches').select('id').where('dry_run', '=', true).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    await t.db.updateTable('staff_users').set({ language: 'fr' }).where('id', '=', anaId).execute();
    try {
      const body = (await (await ana.get(`${base}/batches/${batch.id}/outcomes.csv`)).text()).replace(/^\uFEFF/, '');
      expect(body.split('\r\n')[0]).toBe('"Nom","Adresse e-mail","Résultat","Code du motif","Motif"');
      expect(body).toContain(
        `"Renée Dry","renee@mailinator.com","Échouerait","disposable_domain","L'adresse e-mail est chez un fournisseur de messagerie jetable ou anonyme."`,
      );
    } finally {
      await t.db.updateTable('staff_users').set({ language: null }).where('id', '=', anaId).execute();
    }
  });
});

import nodemailer, { type Transporter } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiveCaseReply, replyDeps } from '../../src/cases/email-replies.js';
import { loadModuleMeta } from '../../src/crm/metadata.js';
import { type RecordData, updateRecordIn } from '../../src/crm/records.js';
import { type InboundSmtp, startInboundSmtp } from '../../src/mail/inbound-smtp.js';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';
import { type ReceivedMail, startSmtp, type TestSmtp } from '../support/smtp.js';
import { waitFor } from '../support/wait.js';

// A customer answers a case by replying to its email: through a real SMTP
// listener (Porta's own, a real SMTP client sending to it) and through the
// HTTP endpoint a mail provider posts raw messages to. Only a reply from the
// case's portal user lands; auto-replies and loops are refused; each message
// is logged with what became of it.

const SECRET = 'inbound-secret-for-tests-0123456789';
let t: TestApp;
let w: PortalWorld;
let smtp: TestSmtp;
let listener: InboundSmtp;
let ana: BrowserClient;
let sender: Transporter;
let notification: ReceivedMail;
let replyTo: string;
let notificationId: string;

const caseUrl = () => `/admin/m/cases/${w.records.carlaCase1}`;
const notes = () =>
  t.db.selectFrom('notes').select(['body', 'author_kind', 'internal']).where('record_id', '=', w.records.carlaCase1).orderBy('created_at').execute();
const files = (recordId = w.records.carlaCase1) =>
  t.db.selectFrom('attachments').select(['filename', 'author_kind', 'size']).where('record_id', '=', recordId).orderBy('created_at').execute();
const logged = () =>
  t.db
    .selectFrom('inbound_mail')
    .select(['via', 'message_id', 'from_address', 'outcome', 'reason', 'record_id', 'attachments'])
    .orderBy('received_at')
    .execute();
const lastLogged = async (messageId: string) => {
  await waitFor(async () => (await logged()).some((r) => r.message_id === messageId));
  return (await logged()).find((r) => r.message_id === messageId);
};
const statusOf = async (id = w.records.carlaCase1) =>
  ((await t.db.selectFrom('records').select('data').where('id', '=', id).executeTakeFirstOrThrow()).data as RecordData).status;

async function setStatus(status: string) {
  const meta = await loadModuleMeta(t.db, 'cases');
  if (!meta) throw new Error('no cases module');
  await t.db.transaction().execute(async (trx) => {
    const record = await trx.selectFrom('records').selectAll().where('id', '=', w.records.carlaCase1).executeTakeFirstOrThrow();
    const r = await updateRecordIn(
      trx,
      { kind: 'staff', id: (w.staff as { id: string }).id },
      meta,
      record,
      { ...(record.data as RecordData), status },
      record.version,
    );
    expect(r.ok).toBe(true);
  });
}

/** A raw message as a mail program writes a reply. */
function rawReply(opts: { from?: string; to?: string; messageId: string; text: string; headers?: string[]; inReplyTo?: string }) {
  return [
    `From: ${opts.from ?? `Carla <${carla.email}>`}`,
    `To: ${opts.to ?? replyTo}`,
    'Subject: Re: Printer jam',
    `Message-ID: <${opts.messageId}>`,
    ...(opts.inReplyTo ? [`In-Reply-To: <${opts.inReplyTo}>`, `References: <${opts.inReplyTo}>`] : []),
    ...(opts.headers ?? []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    opts.text,
    '',
  ].join('\r\n');
}

const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  t.app.request('http://porta.test/inbound/mail', {
    method: 'POST',
    body,
    // A form sets its own Content-Type (with the boundary).
    headers: { Authorization: `Bearer ${SECRET}`, ...(body instanceof FormData ? {} : { 'Content-Type': 'message/rfc822' }), ...headers },
  });

beforeAll(async () => {
  smtp = await startSmtp();
  t = await startTestApp({
    worker: true,
    env: { SMTP_URL: smtp.url, INBOUND_SECRET: SECRET, INBOUND_ADDRESS: 'replies@porta.test', MAIL_FROM: 'Acme <crm@porta.test>' },
  });
  w = await seedPortalWorld(t);
  await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password, language: 'pt-BR' });
  const tabs = tabForm((await tabOptions(t.db, w.helpTypeId)) ?? [], { contacts: {}, cases: { create: true, notes: 'add', attachments: 'add' } });
  expect(await saveTabs(t.db, w.staff, w.helpTypeId, tabs)).toEqual({ ok: true });
  const rows = w.cases.fields.map((f) => ({
    fieldId: f.id,
    visible: ['subject', 'status', 'description', 'contact'].includes(f.api_name),
    readOnly: f.api_name === 'status',
  }));
  expect((await saveFieldPermissions(t.db, w.staff, w.helpTypeId, w.cases.module.id, w.cases.defaultLayout?.id as string, rows)).ok).toBe(true);
  listener = await startInboundSmtp({
    port: 0,
    host: '127.0.0.1',
    inboundAddress: t.config.inboundAddress,
    log: t.deps.log,
    handler: async (raw, envelope) => {
      await receiveCaseReply(replyDeps(t.deps), raw, 'smtp', envelope);
    },
  });
  sender = nodemailer.createTransport({ host: '127.0.0.1', port: listener.port, secure: false, ignoreTLS: true });
  ana = browserClient(t.app);
  expect((await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);

  // Staff reply visibly: Carla is emailed, with a reply address of her own.
  expect((await ana.post(`${caseUrl()}/notes`, { body: 'Could you send us the printer log?', visibility: 'customer' })).status).toBe(303);
  await waitFor(() => smtp.receivedBy(carla.email).length > 0);
  notification = smtp.receivedBy(carla.email)[0] as ReceivedMail;
  replyTo = /^Reply-To: (.+)$/im.exec(notification.raw)?.[1]?.trim() as string;
  notificationId = /^Message-ID: <([^>]+)>$/im.exec(notification.raw)?.[1] as string;
});
afterAll(async () => {
  sender?.close();
  await listener?.close();
  await t?.close();
  await smtp?.close();
});

describe('replies by email', () => {
  it('sends the customer a reply address of her own, the marker line in her language, and headers that stop auto-replies', () => {
    expect(replyTo).toMatch(/^replies\+[a-z2-7]{26}@porta\.test$/);
    expect(notificationId).toMatch(/^[0-9a-f-]{36}@porta\.test$/);
    expect(notification.raw).toMatch(/^Auto-Submitted: auto-generated$/im);
    expect(notification.raw).toMatch(/^X-Porta-Loop: 1$/im);
    expect(notification.text).toContain('##- Escreva sua resposta acima desta linha -##');
    expect(notification.text).toContain('Você pode responder a este e-mail');
  });

  it('threads a reply sent to the SMTP listener into the conversation, with its attachment, quoted history trimmed', async () => {
    await setStatus('waiting');
    await sender.sendMail({
      from: `Carla <${carla.email}>`,
      to: replyTo,
      subject: 'Re: Nova resposta no seu caso: Printer jam',
      inReplyTo: `<${notificationId}>`,
      references: [`<${notificationId}>`],
      messageId: '<reply-1@mail.example>',
      text: `Here is the log.\nIt jams on page 2.\n\nEm ter., 1 de dez. de 2026 às 10:00, Acme <${replyTo}> escreveu:\n> ##- Escreva sua resposta acima desta linha -##\n> Could you send us the printer log?`,
      attachments: [{ filename: 'printer-log.txt', content: 'E42 paper jam\n' }],
    });
    const entry = await lastLogged('reply-1@mail.example');
    expect(entry).toMatchObject({ via: 'smtp', outcome: 'accepted', reason: null, record_id: w.records.carlaCase1, attachments: 1, from_address: carla.email });
    expect((await notes()).at(-1)).toEqual({ body: 'Here is the log.\nIt jams on page 2.', author_kind: 'portal', internal: false });
    expect((await files()).at(-1)).toEqual({ filename: 'printer-log.txt', author_kind: 'portal', size: 14 });
    // The customer's reply puts the case back In Progress, as in the portal.
    expect(await statusOf()).toBe('in_progress');
    // And the customer sees it in her conversation.
    const carlaClient = browserClient(t.app);
    expect((await carlaClient.post(`${HELP}/login`, { email: carla.email, password: carla.password })).status).toBe(303);
    const page = await (await carlaClient.get(`${HELP}/m/cases/${w.records.carlaCase1}`)).text();
    expect(page).toContain('It jams on page 2.');
    expect(page).toContain('printer-log.txt');
  });

  it('lands a message handed over twice once', async () => {
    const before = (await notes()).length;
    await sender.sendMail({ from: carla.email, to: replyTo, subject: 'Re: x', messageId: '<reply-1@mail.example>', text: 'Here is the log.' });
    await waitFor(async () => (await logged()).filter((r) => r.message_id === 'reply-1@mail.example').length === 2);
    expect((await logged()).filter((r) => r.message_id === 'reply-1@mail.example').map((r) => r.outcome)).toEqual(['accepted', 'duplicate']);
    expect((await notes()).length).toBe(before);
  });

  it('refuses and logs a reply from another address, even with the right reply address and thread', async () => {
    const before = (await notes()).length;
    await sender.sendMail({
      from: 'mallory@elsewhere.example',
      to: replyTo,
      subject: 'Re: Printer jam',
      inReplyTo: `<${notificationId}>`,
      messageId: '<forged-1@elsewhere.example>',
      text: 'Please send the invoice to my address instead.',
    });
    expect(await lastLogged('forged-1@elsewhere.example')).toMatchObject({ outcome: 'refused', reason: 'wrong_sender', record_id: w.records.carlaCase1 });
    expect((await notes()).length).toBe(before);
  });

  it('refuses and logs an auto-reply and a bounce', async () => {
    const before = (await notes()).length;
    await sender.sendMail({
      from: carla.email,
      to: replyTo,
      subject: 'Ausente: Printer jam',
      messageId: '<ooo-1@mail.example>',
      headers: { 'Auto-Submitted': 'auto-replied' },
      text: 'Estou fora do escritório até segunda.',
    });
    expect(await lastLogged('ooo-1@mail.example')).toMatchObject({ outcome: 'refused', reason: 'auto_submitted' });
    await sender.sendMail({
      envelope: { from: '', to: [replyTo] },
      from: `Mail Delivery System <mailer-daemon@mail.example>`,
      to: replyTo,
      subject: 'Undelivered Mail Returned to Sender',
      messageId: '<bounce-1@mail.example>',
      text: 'This is the mail system.',
    });
    expect(await lastLogged('bounce-1@mail.example')).toMatchObject({ outcome: 'refused', reason: 'bounce' });
    expect((await notes()).length).toBe(before);
  });

  it('refuses and logs a looping message: our own email delivered back to us', async () => {
    const before = (await notes()).length;
    // The notification as it left, sent on to the inbound address (a forwarding rule pointing back at Porta).
    const looped = notification.raw.replace(/^Message-ID: .*$/im, 'Message-ID: <looped-1@porta.test>');
    await sender.sendMail({ envelope: { from: carla.email, to: [replyTo] }, raw: looped });
    expect(await lastLogged('looped-1@porta.test')).toMatchObject({ outcome: 'refused', reason: 'loop' });
    expect((await notes()).length).toBe(before);
  });

  it('refuses mail at SMTP for any address but the inbound one', async () => {
    await expect(sender.sendMail({ from: carla.email, to: 'someone@elsewhere.example', subject: 'x', text: 'x' })).rejects.toThrow(/550/);
  });

  it('refuses a message matching no case: a made-up reply address and no known thread', async () => {
    await sender.sendMail({
      from: carla.email,
      to: 'replies+aaaaaaaaaaaaaaaaaaaaaaaaaa@porta.test',
      subject: 'x',
      messageId: '<guess-1@mail.example>',
      text: 'x',
    });
    expect(await lastLogged('guess-1@mail.example')).toMatchObject({ outcome: 'refused', reason: 'unknown_case', record_id: null });
  });
});

describe('the HTTP inbound endpoint', () => {
  it('accepts a raw message from the case’s customer, threaded by In-Reply-To alone, with its attachment', async () => {
    const boundary = 'b1';
    const raw = [
      `From: ${carla.email}`,
      'To: Acme <support@acme.example>',
      'Subject: Re: Printer jam',
      'Message-ID: <http-1@mail.example>',
      `In-Reply-To: <${notificationId}>`,
      `References: <${notificationId}>`,
      'MIME-Version: 1.0',
      `Content-Type: multipart/mixed; boundary=${boundary}`,
      '',
      `--${boundary}`,
      'Content-Type: text/html; charset=utf-8',
      '',
      '<div>Photo of the jam attached.</div><div class="gmail_quote">On Tue, Acme wrote:<blockquote>old text</blockquote></div>',
      `--${boundary}`,
      'Content-Type: image/png; name=jam.png',
      'Content-Disposition: attachment; filename=jam.png',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]).toString('base64'),
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const res = await post(raw);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ outcome: 'accepted', reason: null });
    expect((await notes()).at(-1)?.body).toBe('Photo of the jam attached.');
    expect((await files()).map((f) => f.filename)).toContain('jam.png');
    expect(await lastLogged('http-1@mail.example')).toMatchObject({ via: 'http', outcome: 'accepted', attachments: 1 });
  });

  it('takes the message from a provider’s form field (SendGrid "email", Mailgun "body-mime")', async () => {
    const form = new FormData();
    form.set('email', rawReply({ messageId: 'http-form-1@mail.example', text: 'Sent through the form.' }));
    form.set('envelope', JSON.stringify({ to: [replyTo], from: carla.email }));
    const res = await post(form);
    expect(await res.json()).toEqual({ outcome: 'accepted', reason: null });
    const mailgun = new FormData();
    mailgun.set('body-mime', rawReply({ messageId: 'http-form-2@mail.example', text: 'Sent as Mailgun does.' }));
    mailgun.set('recipient', replyTo);
    expect(await (await post(mailgun)).json()).toEqual({ outcome: 'accepted', reason: null });
    expect((await notes()).slice(-2).map((n) => n.body)).toEqual(['Sent through the form.', 'Sent as Mailgun does.']);
  });

  it('refuses another sender, an auto-reply and a loop the same way, and logs each', async () => {
    const before = (await notes()).length;
    const forged = await post(rawReply({ from: 'mallory@elsewhere.example', messageId: 'http-forged@elsewhere.example', text: 'Hi' }));
    expect(await forged.json()).toEqual({ outcome: 'refused', reason: 'wrong_sender' });
    const ooo = await post(rawReply({ messageId: 'http-ooo@mail.example', text: 'Away', headers: ['Auto-Submitted: auto-replied'] }));
    expect(await ooo.json()).toEqual({ outcome: 'refused', reason: 'auto_submitted' });
    const xAuto = await post(rawReply({ messageId: 'http-ooo2@mail.example', text: 'Away', headers: ['X-Autoreply: yes'] }));
    expect(await xAuto.json()).toEqual({ outcome: 'refused', reason: 'auto_reply' });
    const loop = await post(rawReply({ messageId: 'http-loop@mail.example', text: 'Hi', headers: ['X-Porta-Loop: 1'] }));
    expect(await loop.json()).toEqual({ outcome: 'refused', reason: 'loop' });
    const fromUs = await post(rawReply({ from: 'Acme <crm@porta.test>', messageId: 'http-loop2@mail.example', text: 'Hi' }));
    expect(await fromUs.json()).toEqual({ outcome: 'refused', reason: 'loop' });
    expect((await notes()).length).toBe(before);
    const reasons = (await logged()).filter((r) => r.via === 'http' && r.outcome === 'refused').map((r) => r.reason);
    expect(reasons).toEqual(['wrong_sender', 'auto_submitted', 'auto_reply', 'loop', 'loop']);
  });

  it('stops a reply storm: more than ten replies in ten minutes on one case is a loop', async () => {
    const accepted = (await logged()).filter((r) => r.outcome === 'accepted' && r.record_id === w.records.carlaCase1).length;
    const results: string[] = [];
    for (let i = 0; i < 12 - accepted; i++) {
      const res = await post(rawReply({ messageId: `storm-${i}@mail.example`, text: `Storm ${i}` }));
      results.push(((await res.json()) as { reason: string | null }).reason ?? 'accepted');
    }
    expect(results.at(-1)).toBe('loop');
    expect(results.filter((r) => r === 'accepted').length).toBe(Math.max(0, 10 - accepted));
    // Ten minutes later, as far as the next test is concerned.
    await t.db
      .updateTable('inbound_mail')
      .set({ received_at: new Date(Date.now() - 11 * 60_000) })
      .execute();
  });

  it('needs the secret, and answers 400 without a message', async () => {
    expect((await post('x', { Authorization: 'Bearer wrong-secret-wrong-secret-000' })).status).toBe(401);
    expect((await post('x', { Authorization: '' })).status).toBe(401);
    const basic = Buffer.from(`inbound:${SECRET}`).toString('base64');
    expect((await post('', { Authorization: `Basic ${basic}` })).status).toBe(400);
  });
});

describe('the staff view of what came in', () => {
  it('lists every message with its outcome and reason in words, and links accepted ones to their case', async () => {
    const res = await ana.get('/admin/outbox/inbound');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Sent from an address that is not the case&#39;s portal user.');
    expect(html).toContain('An automatic reply.');
    expect(html).toContain('A delivery failure notice.');
    expect(html).toContain('Added to the case');
    expect(html).toContain(`href="/admin/m/cases/${w.records.carlaCase1}"`);
    // Only staff who may read the outbox see it.
    expect((await browserClient(t.app).get('/admin/outbox/inbound')).status).toBe(303);
  });
});

describe('a reply to a case closed past its reopening window', () => {
  it('opens a new case linked to the old one, owned as the old one, with the reply and its attachment', async () => {
    await t.db.updateTable('portals').set({ reopen_days: 0 }).where('id', '=', w.helpId).execute();
    await setStatus('closed');
    const res = await post(
      [
        `From: ${carla.email}`,
        `To: ${replyTo}`,
        'Subject: Re: Printer jam',
        'Message-ID: <late-1@mail.example>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary=z',
        '',
        '--z',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'It jams again since yesterday.',
        '--z',
        'Content-Type: text/plain; name=again.txt',
        'Content-Disposition: attachment; filename=again.txt',
        '',
        'E42 again',
        '--z--',
        '',
      ].join('\r\n'),
    );
    expect(await res.json()).toEqual({ outcome: 'accepted', reason: null });
    const entry = await lastLogged('late-1@mail.example');
    expect(entry?.record_id).not.toBe(w.records.carlaCase1);
    const created = await t.db
      .selectFrom('records')
      .selectAll()
      .where('id', '=', entry?.record_id as string)
      .executeTakeFirstOrThrow();
    const old = await t.db.selectFrom('records').selectAll().where('id', '=', w.records.carlaCase1).executeTakeFirstOrThrow();
    expect(created.data).toMatchObject({
      subject: 'Printer jam',
      status: 'open',
      description: 'It jams again since yesterday.',
      previous_case: old.id,
      contact: w.records.carla,
    });
    expect(created.owner_id).toBe(old.owner_id);
    expect(await statusOf()).toBe('closed');
    expect((await files(created.id)).map((f) => f.filename)).toEqual(['again.txt']);
    await t.db.updateTable('portals').set({ reopen_days: 30 }).where('id', '=', w.helpId).execute();
  });
});

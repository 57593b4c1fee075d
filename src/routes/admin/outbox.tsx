import { Hono } from 'hono';
import { InboundList, OutboxDetail, OutboxList } from '../../../views/admin/OutboxPages.js';
import type { AppEnv } from '../../http/env.js';
import { page } from '../../http/render.js';
import { getOutboxEmail, listOutbox } from '../../mail/outbox.js';

export const outboxRoutes = new Hono<AppEnv>();

outboxRoutes.get('/', async (c) => {
  const { db, config } = c.get('deps');
  const { emails, next } = await listOutbox(db, c.req.query('after'));
  return page(c, {
    title: c.get('t')('admin:outbox.title'),
    body: <OutboxList view={c.get('view')} emails={emails} next={next} smtpConfigured={Boolean(config.smtpUrl)} />,
  });
});

// What came in by email: every message received, accepted or refused, and why.
outboxRoutes.get('/inbound', async (c) => {
  const rows = await c
    .get('deps')
    .db.selectFrom('inbound_mail as i')
    .leftJoin('records as r', 'r.id', 'i.record_id')
    .leftJoin('modules as m', 'm.id', 'r.module_id')
    .select(['i.id', 'i.received_at', 'i.via', 'i.from_address', 'i.subject', 'i.outcome', 'i.reason', 'i.record_id', 'i.attachments', 'm.api_name'])
    .orderBy('i.received_at', 'desc')
    .orderBy('i.id', 'desc')
    .limit(200)
    .execute();
  return page(c, { title: c.get('t')('admin:inbound.title'), body: <InboundList view={c.get('view')} rows={rows} /> });
});

outboxRoutes.get('/:id', async (c) => {
  const email = await getOutboxEmail(c.get('deps').db, c.req.param('id'));
  if (!email) return c.notFound();
  return page(c, { title: email.subject, body: <OutboxDetail view={c.get('view')} email={email} /> });
});

// The email's own HTML, framed by the detail page. It is our rendered template,
// but it is shown sandboxed, with no script, and only framable by us.
outboxRoutes.get('/:id/html', async (c) => {
  const email = await getOutboxEmail(c.get('deps').db, c.req.param('id'));
  if (!email) return c.notFound();
  c.header(
    'Content-Security-Policy',
    "default-src 'none'; style-src 'unsafe-inline'; img-src data: https:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'",
  );
  c.header('X-Frame-Options', 'SAMEORIGIN');
  c.header('Cache-Control', 'no-store');
  return c.html(withLinksOutsideFrame(email.html));
});

/** Links in the framed email open in a new tab: inside the frame they would be blocked (ours refuse framing). */
export function withLinksOutsideFrame(html: string): string {
  const base = '<base target="_blank">';
  return /<head[^>]*>/i.test(html) ? html.replace(/<head[^>]*>/i, (m) => `${m}${base}`) : `${base}${html}`;
}

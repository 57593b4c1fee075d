import { type Context, Hono } from 'hono';
import { InboundList, OutboxDetail, OutboxList } from '../../../views/admin/OutboxPages.js';
import { audit } from '../../audit/audit.js';
import { requireAdmin } from '../../auth/guards.js';
import type { AppEnv } from '../../http/env.js';
import { page } from '../../http/render.js';
import { listInboundMail } from '../../mail/inbound-log.js';
import { getOutboxEmail, hasSecretLinks, listOutbox, withoutSecretLinks } from '../../mail/outbox.js';

export const outboxRoutes = new Hono<AppEnv>();
// Emails hold personal links (invitations, password resets): administrators only.
outboxRoutes.use('*', requireAdmin());

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
  const rows = await listInboundMail(c.get('deps').db);
  return page(c, { title: c.get('t')('admin:inbound.title'), body: <InboundList view={c.get('view')} rows={rows} /> });
});

/**
 * An email as staff may read it: once SMTP delivers mail, links that act for
 * the recipient are hidden (a staff member could otherwise take over the
 * account); without SMTP the outbox is how such emails reach people, so they
 * are shown, and each reading of one is audited.
 */
async function readableEmail(c: Context<AppEnv>, id: string, opts: { audit: boolean }) {
  const { db, config } = c.get('deps');
  const email = await getOutboxEmail(db, id);
  if (!email) return undefined;
  const secret = hasSecretLinks(email.text) || hasSecretLinks(email.html);
  if (secret && config.smtpUrl) return { email: { ...email, ...withoutSecretLinks(email, c.get('t')('admin:outbox.linkHidden')) }, secret: 'hidden' as const };
  const staff = c.get('staff');
  if (secret && opts.audit && staff)
    await audit(db, { kind: 'staff', id: staff.id }, 'outbox.secret_link_read', { type: 'email', id: email.id }, { to: email.to_address });
  return { email, secret: secret ? ('shown' as const) : undefined };
}

outboxRoutes.get('/:id', async (c) => {
  const found = await readableEmail(c, c.req.param('id'), { audit: true });
  if (!found) return c.notFound();
  return page(c, { title: found.email.subject, body: <OutboxDetail view={c.get('view')} email={found.email} secretLinks={found.secret} /> });
});

// The email's own HTML, framed by the detail page. It is our rendered template,
// but it is shown sandboxed, with no script, and only framable by us.
outboxRoutes.get('/:id/html', async (c) => {
  const email = (await readableEmail(c, c.req.param('id'), { audit: false }))?.email;
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
